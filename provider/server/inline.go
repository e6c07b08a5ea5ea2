package server

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
)

// UseLoginPage makes /authorize answer a request that needs a card login
// with the login page itself, served by h as for GET of the page's URL,
// instead of redirecting the browser there: one HTTP request and one
// store read fewer per login (the page gets the auth request /authorize
// has just created). h serves the issuer's login routes. Call it once,
// before serving.
func (s *Server) UseLoginPage(h http.Handler) { s.loginPage = h }

// createdKey is the context key of a createdRequest.
type createdKey struct{}

// createdRequest carries, within one /authorize request, the auth request
// Authorize created when it sends the browser to the login page.
type createdRequest struct{ ar *authRequest }

// noteLoginPage records ar for the inline login page, when the request
// came through inlineLoginPage.
func noteLoginPage(ctx context.Context, ar *authRequest) {
	if c, ok := ctx.Value(createdKey{}).(*createdRequest); ok {
		c.ar = ar
	}
}

// takeCreated returns the auth request id that /authorize created in this
// very request, once: later reads (after a dev auto-tap, say) go to the
// store.
func takeCreated(ctx context.Context, id string) *authRequest {
	c, ok := ctx.Value(createdKey{}).(*createdRequest)
	if !ok || c.ar == nil || c.ar.ID != id {
		return nil
	}
	ar := c.ar
	c.ar = nil
	return ar
}

// inlineLoginPage runs /authorize (next) and, when it redirected to the
// login page, serves that page in its place; any other answer goes out as
// next wrote it.
func (s *Server) inlineLoginPage(w http.ResponseWriter, r *http.Request, next http.Handler) {
	created := &createdRequest{}
	r = r.WithContext(context.WithValue(r.Context(), createdKey{}, created))
	rec := &recordedResponse{header: http.Header{}}
	next.ServeHTTP(rec, r)
	ar := created.ar
	loc := rec.header.Get("Location")
	if ar == nil || rec.status != http.StatusSeeOther || loc == "" {
		rec.replay(w)
		return
	}
	u, err := url.Parse(loc)
	if err != nil || u.Host != "" {
		rec.replay(w)
		return
	}
	for _, c := range rec.header.Values("Set-Cookie") {
		w.Header().Add("Set-Cookie", c)
	}
	page := r.Clone(r.Context())
	page.Method, page.URL, page.RequestURI = http.MethodGet, u, loc
	page.Body, page.ContentLength, page.Form, page.PostForm = http.NoBody, 0, nil, nil
	page.Header.Del("Content-Type")
	s.loginPage.ServeHTTP(w, page)
}

// recordedResponse holds an answer until it is known whether it goes out.
type recordedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recordedResponse) Header() http.Header { return r.header }

func (r *recordedResponse) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recordedResponse) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

// replay writes the recorded answer to w.
func (r *recordedResponse) replay(w http.ResponseWriter) {
	for k, vs := range r.header {
		w.Header()[k] = vs
	}
	if r.status == 0 {
		r.status = http.StatusOK
	}
	w.WriteHeader(r.status)
	w.Write(r.body.Bytes())
}
