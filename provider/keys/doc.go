// Package keys manages the provider's signing keys for ID tokens and JWT
// access tokens: ES256 (P-256, the default), PS256 (RSA-2048) and RS256
// (RSA-2048, only for relying parties that ask for it with
// id_token_signed_response_alg).
//
// # Storage
//
// The whole key set is one JSON record, keys/set, changed only through
// store.Backend.Update (compare-and-swap). Several provider instances that
// bootstrap or rotate at the same moment therefore serialize on that record:
// none can add a second active key or drop another's. Private keys are
// PKCS#8, sealed with AES-256-GCM under the 32-byte master key, a random
// nonce, and the key id and algorithm as additional data, so a sealed key
// cannot be moved to another entry unnoticed.
//
// # Lifecycle
//
// Per algorithm, a key is
//
//	pending   published in the JWKS, not yet signing
//	active    signing (exactly one per algorithm at any instant)
//	retiring  published, no longer signing, until the last token it
//	          signed has expired
//	expired   no longer published; Prune deletes it
//
// The states follow from times stored in the record (activate, deactivate,
// retire), not from a background job: a pending key becomes active at its
// activation time on every instance at once, without another write. Rotate
// adds a key that activates after Options.PublishDelay, so that relying
// parties' JWKS caches hold it before the first token signed with it
// arrives, and schedules the current key to stop signing at that same
// instant and to be retired Options.MaxTokenTTL later.
//
// # Caching
//
// A Manager keeps the parsed set and the decrypted private keys in memory
// for Options.CacheTTL, so issuing a token costs neither a store round trip
// nor an AES operation. Because states are computed from times, a cached set
// still switches keys at the right moment.
package keys
