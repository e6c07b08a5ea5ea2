// Package server is Inkan's OpenID provider: zitadel/oidc's op.Server path
// (a struct embedding *op.LegacyServer) with every protocol decision that
// matters for a high-assurance provider taken here rather than in the
// library.
//
// What the library still does: routing, form decoding, the order of the
// authorization-request checks around redirect_uri validation, client
// credential parsing. What this package does instead: client
// authentication (secrets and a strict private_key_jwt for every
// endpoint), PKCE (required, S256 only, always verified: oidc.md §1.6
// D1/D2), the RFC 9207 iss parameter (D3), discovery (D4), no-store
// headers (D8), CORS only where a browser needs it (D9), 303 redirects
// (D10), exact redirect URI matching, 60-second single-use codes whose
// reuse revokes what they issued, RFC 9068 access tokens, pairwise
// subjects, refresh-token families with reuse detection, the browser SSO
// session, accounts bound to card certificates, consent, and the login
// hand-off to the card bridge.
//
// Everything the provider remembers lives in a store.Backend under the
// namespaces listed in storage.go; a backend that is down turns into 503
// temporarily_unavailable, never a 500.
package server
