package login

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
)

type nonceKey struct{}

// withNonce gives the request a fresh CSP nonce for its inline script and
// style. A new one per response: a nonce that repeats is no protection.
func withNonce(r *http.Request) *http.Request {
	b := make([]byte, 18)
	rand.Read(b)
	return r.WithContext(context.WithValue(r.Context(), nonceKey{}, base64.RawURLEncoding.EncodeToString(b)))
}

// nonceFrom returns the request's nonce ("" if withNonce was not called).
func nonceFrom(r *http.Request) string {
	n, _ := r.Context().Value(nonceKey{}).(string)
	return n
}

// setSecurityHeaders sets the headers every page carries. The CSP allows
// only same-origin loads and the nonced inline script and style;
// connect-src 'self' covers the bridge's events and status endpoints,
// which live on the issuer's origin. There is deliberately no
// form-action: browsers apply it to the redirects after a POST, and the
// consent and Continue forms end at the relying party's redirect URI.
// Navigation is outside CSP (navigate-to never shipped), so the script's
// location.replace to the page's data-next needs no directive either.
func setSecurityHeaders(h http.Header, nonce string) {
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'nonce-"+nonce+"'; style-src 'nonce-"+nonce+
		"'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
}
