// Package bridge is the provider's side of the bridge protocol
// (design.md steps 2, 4 and 6; wire types in mobile-bridge/protocol, prose
// in docs/bridge.md).
//
// A [Service] creates card transactions for the login page, serves the
// /bridge/v1/ endpoints to agents and to the waiting browser page, verifies
// card answers with cardauth/verify, and hands a verified login to a
// [Completer] (the OIDC core) to finish the auth request.
//
// Each transaction is one record in the store namespace "tx", changed only
// by compare-and-swap, so that every answer is processed at most once:
//
//	pending ──POST──▶ verifying ──verified, Completer ok──▶ done
//	   ▲                 │
//	   └──rejected───────┘ (attempts+1; failed at MaxAttempts)
//
// The first agent to fetch a transaction claims it (claim.go): only that
// agent may fetch it again or answer it (docs/security.md).
//
// Secrets are never stored: the record holds SHA-256 hashes of the agent
// secret, of the browser token and of the claiming agent's token, compared
// in constant time.
package bridge
