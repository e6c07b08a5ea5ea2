package server

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/rs/cors"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// statusWriter lets middleware see and adjust the status before it is
// written.
type statusWriter struct {
	http.ResponseWriter
	status  int
	before  func(w http.ResponseWriter, status int) int
	written bool
}

func (w *statusWriter) WriteHeader(code int) {
	if w.written {
		return
	}
	w.written = true
	if w.before != nil {
		code = w.before(w.ResponseWriter, code)
	}
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// recoverMiddleware turns a panic into a logged server_error instead of a
// dropped connection. Fuzzing is what keeps it unused.
func (s *Server) recoverMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic", "path", r.URL.Path, "panic", v)
				if !sw.written {
					writeHTTPError(sw, r, op.NewStatusError(oidc.ErrServerError().WithDescription("Internal error."), http.StatusInternalServerError))
				}
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// logMiddleware logs one line per request: method, path, status and
// duration. Never the query, the body or headers: they carry codes,
// tokens, secrets and states.
func (s *Server) logMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		level := slog.LevelInfo
		if sw.status >= 500 {
			level = slog.LevelWarn
		}
		// LogAttrs: typed attributes, none boxed in an interface.
		s.log.LogAttrs(r.Context(), level, "http", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", sw.status), slog.Int64("ms", time.Since(start).Milliseconds()))
	})
}

// cacheable reports the paths whose answers may be cached: discovery and
// keys. Everything else carries codes, tokens, user data or decisions.
func (s *Server) cacheable(path string) bool {
	switch strings.TrimPrefix(path, s.basePath) {
	case pathDiscovery, pathOAuthMeta, pathJWKS:
		return true
	}
	return strings.HasPrefix(path, pathOAuthMeta)
}

// headerMiddleware sets Cache-Control: no-store and Pragma: no-cache on
// every answer but discovery and keys (RFC 6749 §5.1, oidc.md §1.6 D8),
// keeps URLs with codes out of Referer headers, and adds WWW-Authenticate
// to 401s (RFC 6749 §5.2, RFC 6750 §3).
func (s *Server) headerMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if !s.cacheable(r.URL.Path) {
			h.Set("Cache-Control", "no-store")
			h.Set("Pragma", "no-cache")
		}
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		sw := &statusWriter{ResponseWriter: w, before: func(w http.ResponseWriter, code int) int {
			if code == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
				if strings.TrimPrefix(r.URL.Path, s.basePath) == pathUserinfo {
					w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
				} else {
					w.Header().Set("WWW-Authenticate", `Basic realm="`+s.issuer+`"`)
				}
			}
			return code
		}}
		next.ServeHTTP(sw, r)
	})
}

// corsMiddleware allows cross-origin calls where a browser-based client
// needs them (token, userinfo, keys, discovery) and nowhere else: never
// on /authorize (FAPI 2.0 §5.2.3-3, oidc.md §1.6 D9). No credentials:
// these endpoints use no cookies.
func (s *Server) corsMiddleware(next http.Handler) http.Handler {
	c := cors.New(cors.Options{
		AllowedOrigins: []string{"*"},
		AllowedMethods: []string{http.MethodGet, http.MethodPost},
		AllowedHeaders: []string{"Authorization", "Content-Type"},
		MaxAge:         600,
	})
	withCORS := c.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := strings.TrimPrefix(r.URL.Path, s.basePath); {
		case p == pathToken, p == pathUserinfo, p == pathJWKS, p == pathDiscovery, strings.HasPrefix(r.URL.Path, pathOAuthMeta):
			withCORS.ServeHTTP(w, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// authorizeResponseMiddleware, on /authorize and its callback, answers
// redirects with 303 (FAPI 2.0 §5.3.2.2-11: a POSTed request must not be
// re-posted) and adds iss (RFC 9207) to error redirects the library built.
// With UseLoginPage, /authorize answers with the login page instead of a
// redirect to it (inlineLoginPage).
func (s *Server) authorizeResponseMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(r.URL.Path, s.basePath)
		if p != pathAuthorize && p != pathCallback {
			next.ServeHTTP(w, r)
			return
		}
		redirect303 := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sw := &statusWriter{ResponseWriter: w, before: func(w http.ResponseWriter, code int) int {
				if code != http.StatusFound && code != http.StatusSeeOther {
					return code
				}
				if loc := w.Header().Get("Location"); loc != "" {
					w.Header().Set("Location", s.addIssParam(loc))
				}
				return http.StatusSeeOther
			}}
			next.ServeHTTP(sw, r)
		})
		if p == pathAuthorize && s.loginPage != nil {
			s.inlineLoginPage(w, r, redirect303)
			return
		}
		redirect303.ServeHTTP(w, r)
	})
}
