// Package clients holds the provider's relying parties: the Client type,
// which implements zitadel's op.Client, the Registry that finds clients
// (static ones from the config first, then dynamically registered ones in
// the store) and authenticates them, and the RFC 7591 / RFC 7592 dynamic
// client registration endpoint.
//
// Secrets are never stored, only hashes (see clientmeta for the two forms):
// SHA-256 for the 256-bit secrets registration generates, bcrypt for
// secrets an operator chose. Registration access tokens are stored as
// SHA-256 hashes too.
//
// Dynamic clients live in the store namespace "client", one JSON record per
// client id.
package clients
