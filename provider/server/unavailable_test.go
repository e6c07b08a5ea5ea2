package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inkan-id/inkan/provider/clients"
	"github.com/inkan-id/inkan/provider/store"
)

// flaky is a real backend that can be switched off, as a Redis outage
// would: every call then fails with an error wrapping ErrUnavailable.
type flaky struct {
	store.Backend
	down atomic.Bool
	// failNS, when set, makes only the writes (Put, Delete) to that
	// namespace fail: an outage that begins half-way through a request.
	failNS atomic.Value
}

func (f *flaky) err() error {
	if f.down.Load() {
		return fmt.Errorf("test outage: %w", store.ErrUnavailable)
	}
	return nil
}

// writeErr is err, or an outage of writes to ns (failNS).
func (f *flaky) writeErr(ns string) error {
	if v, _ := f.failNS.Load().(string); v != "" && v == ns {
		return fmt.Errorf("test outage of %s writes: %w", ns, store.ErrUnavailable)
	}
	return f.err()
}

// newFlakyEnv starts a provider on a bolt store behind a flaky.
func newFlakyEnv(t *testing.T) (*env, *flaky) {
	t.Helper()
	clk := newClock()
	f := &flaky{Backend: openBolt(t, clk)}
	return newEnvOn(t, clk, f), f
}

func (f *flaky) Put(ctx context.Context, ns, key string, val []byte, ttl time.Duration) error {
	if err := f.writeErr(ns); err != nil {
		return err
	}
	return f.Backend.Put(ctx, ns, key, val, ttl)
}
func (f *flaky) Create(ctx context.Context, ns, key string, val []byte, ttl time.Duration) error {
	if err := f.err(); err != nil {
		return err
	}
	return f.Backend.Create(ctx, ns, key, val, ttl)
}
func (f *flaky) Get(ctx context.Context, ns, key string) ([]byte, error) {
	if err := f.err(); err != nil {
		return nil, err
	}
	return f.Backend.Get(ctx, ns, key)
}
func (f *flaky) Take(ctx context.Context, ns, key string) ([]byte, error) {
	if err := f.err(); err != nil {
		return nil, err
	}
	return f.Backend.Take(ctx, ns, key)
}
func (f *flaky) Update(ctx context.Context, ns, key string, fn func([]byte) ([]byte, error)) error {
	if err := f.err(); err != nil {
		return err
	}
	return f.Backend.Update(ctx, ns, key, fn)
}
func (f *flaky) Delete(ctx context.Context, ns, key string) error {
	if err := f.writeErr(ns); err != nil {
		return err
	}
	return f.Backend.Delete(ctx, ns, key)
}
func (f *flaky) AddMember(ctx context.Context, ns, set, member string, ttl time.Duration) error {
	if err := f.err(); err != nil {
		return err
	}
	return f.Backend.AddMember(ctx, ns, set, member, ttl)
}
func (f *flaky) Members(ctx context.Context, ns, set string) ([]string, error) {
	if err := f.err(); err != nil {
		return nil, err
	}
	return f.Backend.Members(ctx, ns, set)
}
func (f *flaky) DeleteSet(ctx context.Context, ns, set string) error {
	if err := f.err(); err != nil {
		return err
	}
	return f.Backend.DeleteSet(ctx, ns, set)
}
func (f *flaky) Ping(ctx context.Context) error {
	if err := f.err(); err != nil {
		return err
	}
	return f.Backend.Ping(ctx)
}

func TestStoreUnavailable(t *testing.T) {
	e, f := newFlakyEnv(t)

	// State made while the store is up.
	br := e.browser()
	p := newPKCE()
	code, _ := br.login(authParams("web", rpRedirect, p), e.card())
	tokens := e.tokens("web", "web-secret")
	pending := location(br.authorize(authParams("web", rpRedirect, newPKCE()))) // SSO → callback

	f.down.Store(true)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, path, body string, auth func(*http.Request)) *http.Response {
		req, _ := http.NewRequest(method, e.issuer+path, strings.NewReader(body))
		if method == "POST" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if auth != nil {
			auth(req)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	basic := func(r *http.Request) { r.SetBasicAuth("web", "web-secret") }
	bearer := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tokens["access_token"].(string)) }
	exchange := "grant_type=authorization_code&" + url.Values{"code": {code}, "redirect_uri": {rpRedirect}, "code_verifier": {p.verifier}}.Encode()
	cases := []struct {
		name string
		resp func() *http.Response
	}{
		{"authorize", func() *http.Response {
			return do("GET", pathAuthorize+"?"+authParams("web", rpRedirect, newPKCE()).Encode(), "", nil)
		}},
		{"callback", func() *http.Response { return br.get(pending.String()) }},
		{"code exchange", func() *http.Response { return do("POST", pathToken, exchange, basic) }},
		{"refresh", func() *http.Response {
			return do("POST", pathToken, "grant_type=refresh_token&refresh_token="+url.QueryEscape(tokens["refresh_token"].(string)), basic)
		}},
		{"userinfo", func() *http.Response { return do("GET", pathUserinfo, "", bearer) }},
		{"introspect", func() *http.Response {
			return do("POST", pathIntrospect, "token="+url.QueryEscape(tokens["access_token"].(string)), basic)
		}},
		{"revoke", func() *http.Response {
			return do("POST", pathRevoke, "token="+url.QueryEscape(tokens["refresh_token"].(string)), basic)
		}},
		{"jwks", func() *http.Response { return do("GET", pathJWKS, "", nil) }},
		{"readyz", func() *http.Response { return do("GET", pathReady, "", nil) }},
		{"logout", func() *http.Response {
			return br.get(e.issuer + pathEndSession + "?id_token_hint=" + url.QueryEscape(tokens["id_token"].(string)))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if resp := c.resp(); resp.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("status %d, want 503", resp.StatusCode)
			}
		})
	}
	if resp := do("GET", pathHealth, "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("healthz during outage: %d", resp.StatusCode)
	}
	if err := e.srv.CompleteCardLogin(context.Background(), "x", e.card()); err == nil {
		t.Error("CompleteCardLogin during outage succeeded")
	}

	// Back up: nothing was half-done, so the code and tokens still work.
	f.down.Store(false)
	if st, body := e.exchange(code, rpRedirect, p.verifier); st != http.StatusOK {
		t.Fatalf("code after the outage: %d %v", st, body)
	}
	if st, body := e.refresh(tokens["refresh_token"].(string), "web", "web-secret"); st != http.StatusOK {
		t.Fatalf("refresh after the outage: %d %v", st, body)
	}
	if resp := do("GET", pathReady, "", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz after the outage: %d", resp.StatusCode)
	}
}

// A rotating refresh that fails after its checks (the access token cannot
// be stored) leaves the old token as it was: a retry after the grace
// period is not taken for theft.
func TestRefreshFailureKeepsToken(t *testing.T) {
	e, f := newFlakyEnv(t)
	rt := e.tokens("rot", "rot-secret")["refresh_token"].(string)
	f.failNS.Store(nsAccess)
	if st, body := e.refresh(rt, "rot", "rot-secret"); st != http.StatusServiceUnavailable {
		t.Fatalf("during the outage: %d %v", st, body)
	}
	f.failNS.Store("")
	e.clock.Advance(time.Minute) // well past the grace period
	if st, body := e.refresh(rt, "rot", "rot-secret"); st != http.StatusOK || body["refresh_token"] == rt {
		t.Fatalf("after the outage: %d %v", st, body)
	}
}

// A replayed code whose revocation fails half-way is revoked by the next
// replay: the record of the redemption outlives the failure.
func TestCodeReuseRevocationSurvivesOutage(t *testing.T) {
	e, f := newFlakyEnv(t)
	p := newPKCE()
	v := authParams("web", rpRedirect, p)
	v.Set("scope", "openid offline_access")
	code, _ := e.browser().login(v, e.card())
	st, tokens := e.exchange(code, rpRedirect, p.verifier)
	if st != http.StatusOK {
		t.Fatalf("exchange: %d %v", st, tokens)
	}
	f.failNS.Store(nsAccess)
	if st, body := e.exchange(code, rpRedirect, p.verifier); st != http.StatusServiceUnavailable {
		t.Fatalf("replay during the outage: %d %v", st, body)
	}
	f.failNS.Store("")
	if st, body := e.exchange(code, rpRedirect, p.verifier); st != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("replay after the outage: %d %v", st, body)
	}
	if st, body := e.refresh(tokens["refresh_token"].(string), "web", "web-secret"); st != http.StatusBadRequest {
		t.Errorf("the replayed code's refresh token still works: %d %v", st, body)
	}
	if in := e.introspect(tokens["access_token"].(string)); in["active"] != false {
		t.Errorf("the replayed code's access token is still active: %v", in)
	}
}

// lostAnswer is a backend whose writes to the auth requests land but
// report an error, as a Redis timeout after the script ran would.
type lostAnswer struct {
	store.Backend
	armed atomic.Bool
}

func (l *lostAnswer) Update(ctx context.Context, ns, key string, fn func([]byte) ([]byte, error)) error {
	err := l.Backend.Update(ctx, ns, key, fn)
	if err == nil && ns == nsAuthReq && l.armed.Load() {
		return fmt.Errorf("test: answer lost after the write: %w", store.ErrUnavailable)
	}
	return err
}

// A completion whose batch landed but whose answer was lost is complete:
// its session is kept, and the browser is signed in.
func TestCompletionWithLostAnswer(t *testing.T) {
	clk := newClock()
	l := &lostAnswer{Backend: openBolt(t, clk)}
	e := newEnvOn(t, clk, l)
	b := e.browser()
	id := location(b.authorize(authParams("web", rpRedirect, newPKCE()))).Query().Get("id")
	l.armed.Store(true)
	if err := e.srv.CompleteCardLogin(context.Background(), id, e.card()); err != nil {
		t.Fatalf("CompleteCardLogin: %v", err)
	}
	l.armed.Store(false)
	if loc := location(b.get(e.srv.CallbackURL(id))); loc.Query().Get("code") == "" {
		t.Fatalf("callback went to %v", loc)
	}
	if !signedIn(b) {
		t.Error("the landed login's session was dropped")
	}
}

// busyDirectory answers every secret check as a queue of bcrypt checks
// that is full.
type busyDirectory struct{ clientDirectory }

func (busyDirectory) checkSecret(context.Context, string, string) (*rpClient, error) {
	return nil, fmt.Errorf("checking: %w", clients.ErrBusy)
}

// Too many secret checks queued is the provider's overload, not the
// client's fault: 503 temporarily_unavailable, not invalid_client, and
// the refresh token keeps working once the queue drains.
func TestSecretChecksBusy(t *testing.T) {
	e := newEnv(t)
	rt := e.tokens("web", "web-secret")["refresh_token"].(string)
	dir := e.srv.clients
	e.srv.clients = busyDirectory{dir}
	st, body := e.refresh(rt, "web", "web-secret")
	if st != http.StatusServiceUnavailable || body["error"] != "temporarily_unavailable" {
		t.Fatalf("busy: %d %v; want 503 temporarily_unavailable", st, body)
	}
	e.srv.clients = dir
	if st, body := e.refresh(rt, "web", "web-secret"); st != http.StatusOK {
		t.Fatalf("after: %d %v", st, body)
	}
}
