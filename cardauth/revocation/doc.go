// Package revocation answers "is this JPKI certificate revoked?" from CRLs,
// OCSP responders or a static table (jpki.md §6).
//
// Every source implements [Checker]. A source answers [Good] or [Revoked]
// only when it holds signed, fresh, applicable status information for the
// exact certificate; anything else is [Unknown], usually with an error that
// says why. Unknown is deliberately the zero Status.
//
// Unknown is not a verdict. This package never turns Unknown into Good: the
// caller decides what Unknown means, and Inkan's policy (design.md rule 6) is
// to fail closed, except for a bounded, operator-configured soft-fail on login
// that is flagged in the result. cardauth/verify implements that policy.
//
// The sources compose: [Chain] asks several in order, [Cache] remembers
// answers (Revoked forever, Good briefly) in front of any of them.
package revocation
