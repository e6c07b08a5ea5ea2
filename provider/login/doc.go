// Package login serves the pages between /authorize and the callback
// (design.md steps 2, 3 and 7): the login page that creates a card
// transaction and shows the bridge link as a QR code, an app link, an
// inkan:// link and plain text; the waiting logic (server-sent events,
// polling, or a Continue button without JavaScript); and the consent page.
//
// Every page is server-rendered from embedded templates, works without
// JavaScript, speaks Japanese and English, and carries strict security
// headers (a nonce-based Content-Security-Policy, no framing, no referrer,
// no caching). The prose is in docs/login.md.
//
// The package talks to the OIDC core and to the bridge through the small
// interfaces [Server] and [Bridge], which *server.Server and
// *bridge.Service satisfy.
package login
