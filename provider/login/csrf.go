package login

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
)

// CSRF protection is a double submit: a random token in a SameSite=Strict,
// HttpOnly cookie, repeated in a hidden field of every form, compared in
// constant time. SameSite=Strict keeps the cookie off cross-site POSTs, and
// another site can neither read nor (on https, thanks to the __Host-
// prefix) plant it. No server state, so any instance can check it.

const (
	csrfField      = "csrf"
	csrfCookie     = "inkan-login-csrf"
	csrfCookieHost = "__Host-inkan-login-csrf" // https: host-only, Secure, Path=/
	csrfBytes      = 32
)

var (
	errCSRF        = errors.New("login: CSRF token missing or wrong")
	errCrossOrigin = errors.New("login: cross-origin form post")
)

func (h *Handler) csrfCookieName() string {
	if h.secure {
		return csrfCookieHost
	}
	return csrfCookie
}

// csrfToken returns the browser's token, setting a new cookie when it has
// none (or a malformed one). Reusing it lets several tabs work at once.
func (h *Handler) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(h.csrfCookieName()); err == nil && validToken(c.Value) {
		return c.Value
	}
	b := make([]byte, csrfBytes)
	rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{
		Name:     h.csrfCookieName(),
		Value:    tok,
		Path:     "/",
		MaxAge:   3600,
		Secure:   h.secure,
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
	})
	return tok
}

// checkCSRF compares the cookie with the form field (after ParseForm).
func (h *Handler) checkCSRF(r *http.Request) bool {
	c, err := r.Cookie(h.csrfCookieName())
	if err != nil || !validToken(c.Value) {
		return false
	}
	form := r.PostForm[csrfField]
	if len(form) != 1 {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(c.Value), []byte(form[0])) == 1
}

func validToken(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == csrfBytes
}
