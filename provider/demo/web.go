package demo

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"html/template"
	"log/slog"
	"net/http"
)

//go:embed templates
var templateFS embed.FS

// parse parses one page with the shared layout.
func parse(name string) *template.Template {
	return template.Must(template.New(name).ParseFS(templateFS, "templates/layout.html", "templates/"+name))
}

// page is what the layout needs; Body is the page's own data.
type page struct {
	Title string
	Nonce string
	Body  any
}

type nonceKey struct{}

// secure wraps a handler with the headers every dev page carries: the same
// strict policy as the login pages (nonced inline style only, no framing,
// no referrer, no caching).
func secure(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nonce := randomString(18)
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'none'; style-src 'nonce-"+nonce+
			"'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		next(w, r.WithContext(context.WithValue(r.Context(), nonceKey{}, nonce)))
	})
}

// render writes a page; a template error is a bug and answers a bare 500.
func render(w http.ResponseWriter, r *http.Request, log *slog.Logger, t *template.Template, status int, title string, body any) {
	nonce, _ := r.Context().Value(nonceKey{}).(string)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", page{Title: title, Nonce: nonce, Body: body}); err != nil {
		log.ErrorContext(r.Context(), "template", "page", t.Name(), "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// randomString returns n random bytes as base64url.
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// csrf is a double-submit token in a SameSite=Strict cookie, as on the
// login pages.
type csrf struct {
	name   string
	path   string
	secure bool
}

// token returns the browser's token, setting the cookie when missing.
func (c csrf) token(w http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(c.name); err == nil && len(ck.Value) == 43 {
		return ck.Value
	}
	tok := randomString(32)
	http.SetCookie(w, &http.Cookie{Name: c.name, Value: tok, Path: c.path, MaxAge: 3600,
		Secure: c.secure, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	return tok
}

// ok compares the cookie with the form field (after ParseForm).
func (c csrf) ok(r *http.Request) bool {
	ck, err := r.Cookie(c.name)
	if err != nil || len(ck.Value) != 43 {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(ck.Value), []byte(r.PostForm.Get("csrf"))) == 1
}
