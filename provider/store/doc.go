// Package store holds the storage primitives that the provider's typed stores
// (auth requests, card transactions, codes, tokens, sessions, accounts,
// consents, signing keys, replay caches) are built on.
//
// A [Backend] is a namespaced key-value store with per-record expiry, an
// atomic get-and-delete for single-use records, compare-and-swap updates and
// small sets. Two backends implement it: store/bolt (embedded, durable on one
// machine) and store/redis (shared by many provider instances). The
// store/storetest package is the conformance suite both must pass.
//
// Every method validates its arguments before it touches storage (see
// [ValidateKey], [ValidateValue], [ValidateTTL], [ValidateMember]), so a bad
// input changes nothing and yields an error wrapping [ErrInvalid].
package store
