package login

import "net/http"

// Paths of the pages, below the issuer's path.
const (
	// PathLogin is the login page (the clients' LoginURL): GET ?id=.
	PathLogin = "/login"
	// PathContinue is the no-JavaScript Continue button's target: POST.
	PathContinue = "/login/continue"
	// PathConsent is the consent page: GET ?id= and POST.
	PathConsent = "/login/consent"
)

// maxFormBytes bounds a posted form: the largest holds an id, a link, a
// token and a CSRF token, well under 4 KiB.
const maxFormBytes = 16 << 10

// Routes returns the handler of the pages at their full paths (issuer path
// included), e.g. for server.Mount("/login", h.Routes()). Unknown paths
// below /login answer 404; wrong methods 405.
func (h *Handler) Routes() http.Handler {
	mux := http.NewServeMux()
	h.Register(mux)
	return mux
}

// Register adds the pages to mux at their full paths.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle("GET "+h.base+PathLogin, h.page(h.serveLogin))
	mux.Handle("POST "+h.base+PathContinue, h.post(h.serveContinue))
	mux.Handle("GET "+h.base+PathConsent, h.page(h.serveConsentPage))
	mux.Handle("POST "+h.base+PathConsent, h.post(h.serveConsentPost))
}

// page wraps a GET handler with the security headers.
func (h *Handler) page(f func(w http.ResponseWriter, r *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = withNonce(r)
		setSecurityHeaders(w.Header(), nonceFrom(r))
		f(w, r)
	})
}

// post wraps a form handler: security headers, a size limit, cross-origin
// refusal (Sec-Fetch-Site/Origin, a second line behind the CSRF token) and
// the CSRF check itself. A failure answers 403 before f runs, so nothing
// changes.
func (h *Handler) post(f func(w http.ResponseWriter, r *http.Request)) http.Handler {
	cop := http.NewCrossOriginProtection()
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			h.fail(w, r, &pageError{Status: http.StatusBadRequest, Key: "err.badform", Err: err})
			return
		}
		if !h.checkCSRF(r) {
			h.fail(w, r, &pageError{Status: http.StatusForbidden, Key: "err.csrf", Err: errCSRF})
			return
		}
		f(w, r)
	})
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, &pageError{Status: http.StatusForbidden, Key: "err.csrf", Err: errCrossOrigin})
	}))
	wrapped := cop.Handler(inner)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = withNonce(r)
		setSecurityHeaders(w.Header(), nonceFrom(r))
		wrapped.ServeHTTP(w, r)
	})
}
