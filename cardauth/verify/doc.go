// Package verify is the server-side check of a card login or signing
// (jpki.md §7): one certificate read from the card, the client_data the
// agent built, and the card's signature over it.
//
// A [Verifier] trusts only the roots its operator configured, each matched
// against the pinned fingerprints of the published J-LIS roots in
// production ([Roots]); it never trusts a CA certificate supplied by the
// card. It then checks the certificate's profile (key, validity, policy, key
// usage), every field of client_data against what the transaction expects,
// the signature, the chain, and revocation. A result is returned only when
// every check passed; every failure is an [*Error] with a stable [Code].
//
// Revocation status Unknown fails closed, except for a login when the
// operator configured Config.SoftFail; that result is marked SoftFailed so
// that the provider can show it in acr and the audit log (design.md rule 6).
package verify
