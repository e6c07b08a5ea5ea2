package server

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/inkan-id/inkan/provider/store"
)

// tokens logs in as client (secret auth via basic) in a new browser with
// offline_access and returns the token response.
func (e *env) tokens(client, secret string) map[string]any {
	e.t.Helper()
	return e.browser().tokens(client, secret, "openid offline_access")
}

// tokens logs in as client in this browser with scope, redeems the code
// (secret auth via basic) and returns the token response.
func (b *browser) tokens(client, secret, scope string) map[string]any {
	b.e.t.Helper()
	p := newPKCE()
	v := authParams(client, rpRedirect, p)
	v.Set("scope", scope)
	code, _ := b.login(v, b.e.card())
	st, body := b.e.postFormBasic(code, p.verifier, client, secret)
	if st != http.StatusOK {
		b.e.t.Fatalf("token: %d %v", st, body)
	}
	return body
}

func (e *env) refresh(rt, client, secret string) (int, map[string]any) {
	e.t.Helper()
	st, body, _ := e.postForm(pathToken, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, client, secret)
	return st, body
}

func TestRefreshWithoutRotation(t *testing.T) {
	e := newEnv(t)
	first := e.tokens("web", "web-secret")
	rt := first["refresh_token"].(string)
	_, id1 := parseJWT(t, first["id_token"].(string))
	e.clock.Advance(time.Minute)
	st, body := e.refresh(rt, "web", "web-secret")
	if st != http.StatusOK {
		t.Fatalf("%d %v", st, body)
	}
	if body["refresh_token"] != rt {
		t.Error("confidential client without rotation got a new refresh token")
	}
	_, id2 := parseJWT(t, body["id_token"].(string))
	for _, c := range []string{"sub", "auth_time", "acr", "sid"} {
		if id1[c] != id2[c] {
			t.Errorf("%s changed on refresh: %v → %v", c, id1[c], id2[c])
		}
	}
	if id2["iat"] == id1["iat"] {
		t.Error("refreshed ID token has the old iat")
	}
	// Narrowing scopes works; widening does not.
	st, _, _ = e.postForm(pathToken, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "scope": {"openid"}}, "web", "web-secret")
	if st != http.StatusOK {
		t.Errorf("narrowing: %d", st)
	}
	st, body, _ = e.postForm(pathToken, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "scope": {"openid verified_claims"}}, "web", "web-secret")
	if st != http.StatusBadRequest || body["error"] != "invalid_scope" {
		t.Errorf("widening: %d %v", st, body)
	}
}

func TestRefreshBoundToClient(t *testing.T) {
	e := newEnv(t)
	rt := e.tokens("web", "web-secret")["refresh_token"].(string)
	st, body := e.refresh(rt, "web2", "web2-secret")
	if st != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("other client: %d %v", st, body)
	}
	if st, _ := e.refresh(rt, "web", "web-secret"); st != http.StatusOK {
		t.Fatalf("owner after refusal: %d", st)
	}
	// Without client authentication it fails too.
	st, _, _ = e.postForm(pathToken, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {"web"}}, "", "")
	if st != http.StatusUnauthorized {
		t.Fatalf("unauthenticated: %d", st)
	}
}

func TestRefreshRotation(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RefreshGrace = 10 * time.Second })
	first := e.tokens("rot", "rot-secret")
	rt0 := first["refresh_token"].(string)

	st, body := e.refresh(rt0, "rot", "rot-secret")
	if st != http.StatusOK {
		t.Fatal(st, body)
	}
	rt1 := body["refresh_token"].(string)
	if rt1 == rt0 {
		t.Fatal("rotating client got the same refresh token")
	}

	// Within the grace period the old token yields the same successor
	// and revokes nothing.
	e.clock.Advance(5 * time.Second)
	st, body = e.refresh(rt0, "rot", "rot-secret")
	if st != http.StatusOK || body["refresh_token"] != rt1 {
		t.Fatalf("grace reuse: %d %v, want the same successor", st, body)
	}
	if st, _ := e.refresh(rt1, "rot", "rot-secret"); st != http.StatusOK {
		t.Fatalf("successor after grace reuse: %d", st)
	}

	// After the grace period, reuse revokes the whole family.
	second := e.tokens("rot", "rot-secret")
	r0 := second["refresh_token"].(string)
	_, body = e.refresh(r0, "rot", "rot-secret")
	r1 := body["refresh_token"].(string)
	at1 := body["access_token"].(string)
	e.clock.Advance(11 * time.Second)
	st, body = e.refresh(r0, "rot", "rot-secret")
	if st != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("late reuse: %d %v", st, body)
	}
	if st, _ := e.refresh(r1, "rot", "rot-secret"); st != http.StatusBadRequest {
		t.Fatalf("successor still works after reuse detection: %d", st)
	}
	if got := e.introspectAs(at1, "rot", "rot-secret"); got["active"] != false {
		t.Fatalf("family access token still active: %v", got)
	}
}

func TestRefreshConcurrentRotation(t *testing.T) {
	e := newEnv(t)
	rt := e.tokens("rot", "rot-secret")["refresh_token"].(string)
	var wg sync.WaitGroup
	got := make([]string, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, body := e.refresh(rt, "rot", "rot-secret")
			if st != http.StatusOK {
				t.Errorf("concurrent refresh %d: %d %v", i, st, body)
				return
			}
			got[i] = body["refresh_token"].(string)
		}()
	}
	wg.Wait()
	for _, g := range got {
		if g != got[0] {
			t.Fatalf("concurrent refreshes got different successors: %v", got)
		}
	}
	if st, _ := e.refresh(got[0], "rot", "rot-secret"); st != http.StatusOK {
		t.Fatalf("successor: %d", st)
	}
}

func TestRefreshExpiry(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RefreshTokenTTL = time.Hour })
	rt := e.tokens("web", "web-secret")["refresh_token"].(string)
	e.clock.Advance(time.Hour + time.Second)
	if st, body := e.refresh(rt, "web", "web-secret"); st != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("%d %v", st, body)
	}
}

func (e *env) introspectAs(tok, client, secret string) map[string]any {
	e.t.Helper()
	_, body, _ := e.postForm(pathIntrospect, url.Values{"token": {tok}}, client, secret)
	return body
}

// RFC 7009 §2.1: the hint only orders the search. A refresh token sent
// with token_type_hint=access_token is still found and revoked, and an
// access token with the refresh_token hint too.
func TestRevokeWithWrongHint(t *testing.T) {
	e := newEnv(t)
	tokens := e.tokens("web", "web-secret")
	if st, body, _ := e.postForm(pathRevoke, url.Values{"token": {tokens["refresh_token"].(string)}, "token_type_hint": {"access_token"}}, "web", "web-secret"); st != http.StatusOK {
		t.Fatalf("revoke: %d %v", st, body)
	}
	if st, body := e.refresh(tokens["refresh_token"].(string), "web", "web-secret"); st != http.StatusBadRequest {
		t.Errorf("refresh token revoked under the access_token hint still works: %d %v", st, body)
	}

	tokens = e.tokens("web", "web-secret")
	if st, body, _ := e.postForm(pathRevoke, url.Values{"token": {tokens["access_token"].(string)}, "token_type_hint": {"refresh_token"}}, "web", "web-secret"); st != http.StatusOK {
		t.Fatalf("revoke: %d %v", st, body)
	}
	if in := e.introspect(tokens["access_token"].(string)); in["active"] != false {
		t.Errorf("access token revoked under the refresh_token hint is active: %v", in)
	}
	if st, body := e.refresh(tokens["refresh_token"].(string), "web", "web-secret"); st != http.StatusOK {
		t.Errorf("revoking the access token also ended its refresh token: %d %v", st, body)
	}
}

// A token rotated away stays rotated if the client stops rotating: within
// the grace period it gives the successor, later its use is reuse.
func TestRotatedTokenAfterRotationOff(t *testing.T) {
	e := newEnv(t)
	rt := e.tokens("web", "web-secret")["refresh_token"].(string)
	// As if "web" had rotated this token a moment ago, before an operator
	// turned rotation off for it.
	successor := familyToken(familyOf(rt))
	var rec refreshRecord
	if err := getJSON(context.Background(), e.backend, nsRefresh, hashKey(rt), &rec); err != nil {
		t.Fatal(err)
	}
	succ := rec
	if err := e.srv.storeRefresh(context.Background(), successor, &succ); err != nil {
		t.Fatal(err)
	}
	err := updateJSON(context.Background(), e.backend, nsRefresh, hashKey(rt), func(r *refreshRecord) error {
		r.RotatedAt = e.clock.Now().UnixNano()
		r.Successor = e.srv.secretSeal.seal([]byte(successor), "successor "+hashKey(rt))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if st, body := e.refresh(rt, "web", "web-secret"); st != http.StatusOK || body["refresh_token"] != successor {
		t.Fatalf("within the grace period: %d %v", st, body)
	}
	e.clock.Advance(time.Minute)
	if st, body := e.refresh(rt, "web", "web-secret"); st != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("after the grace period: %d %v", st, body)
	}
	if st, body := e.refresh(successor, "web", "web-secret"); st != http.StatusBadRequest {
		t.Errorf("the reuse did not revoke the family: %d %v", st, body)
	}
}

// TestOfflineAccessOnlyWhenAllowed: offline_access, whose refresh tokens
// outlive a logout, goes only to clients allowed it. A client with the
// refresh_token grant but without the scope gets its tokens, bound to
// the session: the logout ends them.
func TestOfflineAccessOnlyWhenAllowed(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		client       string
		wantScope    string
		refreshAfter int // status of a refresh after the logout
	}{
		{"online", "openid", http.StatusBadRequest},
		{"web", "openid offline_access", http.StatusOK},
	} {
		t.Run(tc.client, func(t *testing.T) {
			b := e.browser()
			body := b.tokens(tc.client, tc.client+"-secret", "openid offline_access")
			rt, _ := body["refresh_token"].(string)
			if rt == "" {
				t.Fatalf("no refresh token: %v", body)
			}
			if body["scope"] != tc.wantScope {
				t.Errorf("scope %q, want %q", body["scope"], tc.wantScope)
			}
			resp := b.get(e.issuer + pathEndSession + "?" + url.Values{"id_token_hint": {body["id_token"].(string)}}.Encode())
			if resp.StatusCode >= 400 {
				t.Fatalf("logout: %d", resp.StatusCode)
			}
			if st, body := e.refresh(rt, tc.client, tc.client+"-secret"); st != tc.refreshAfter {
				t.Errorf("refresh after logout: %d %v, want %d", st, body, tc.refreshAfter)
			}
		})
	}
}

// sessionCookie is the browser's session cookie value.
func (b *browser) sessionCookie() string {
	for _, c := range b.c.Jar.Cookies(mustParse(b.e.t, b.e.issuer+"/")) {
		if c.Name == b.e.srv.cfg.SessionCookie {
			return c.Value
		}
	}
	b.e.t.Fatal("no session cookie")
	return ""
}

// TestCodeAfterLogout: a code issued before its session ended buys
// nothing after: its tokens would be bound to a session that a logout
// already swept, and no later logout could reach them.
func TestCodeAfterLogout(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b := e.browser()
	b.login(authParams("web", rpRedirect, newPKCE()), e.card())
	p := newPKCE()
	code, _ := b.login(authParams("web", rpRedirect, p), e.card()) // SSO: same session
	if err := e.srv.deleteSession(ctx, hashKey(b.sessionCookie())); err != nil {
		t.Fatal(err)
	}
	st, body := e.exchange(code, rpRedirect, p.verifier)
	if st != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("code after logout: %d %v, want invalid_grant", st, body)
	}
	if _, err := e.backend.Get(ctx, nsCodeUsed, hashKey(code)); !notFound(err) {
		t.Errorf("the refused code was recorded as redeemed (err %v)", err)
	}
}

// endsSIDOnRead ends a session right after the code exchange read it:
// a logout landing between the read and the batch.
type endsSIDOnRead struct {
	store.Backend
	sid string
}

var _ store.MultiGetter = (*endsSIDOnRead)(nil)

func (b *endsSIDOnRead) GetMany(ctx context.Context, keys []store.Key) ([][]byte, error) {
	vals, err := store.GetMany(ctx, b.Backend, keys...)
	if err == nil && len(keys) == 2 && keys[1].NS == nsSID && keys[1].Key == b.sid {
		err = b.Backend.Delete(ctx, nsSID, b.sid)
	}
	return vals, err
}

func TestCodeExchangeRacesLogout(t *testing.T) {
	clk := newClock()
	inner := openBolt(t, clk)
	wrap := &endsSIDOnRead{Backend: inner}
	e := newEnvOn(t, clk, wrap)
	p := newPKCE()
	code, _ := e.browser().login(authParams("web", rpRedirect, p), e.card())
	wrap.sid = familyOf(code)
	if wrap.sid == "" {
		t.Fatal("the code names no session")
	}
	st, body := e.exchange(code, rpRedirect, p.verifier)
	if st != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("code whose session ended during the exchange: %d %v, want invalid_grant", st, body)
	}
	if ms, err := inner.Members(context.Background(), nsSession, wrap.sid); err != nil || len(ms) != 0 {
		t.Errorf("the ended session gained families %v (err %v)", ms, err)
	}
}

// TestFamilyEndsWithSession: without offline_access a refresh family
// ends when its session would, even when nobody logs out; with it, the
// family lives on.
func TestFamilyEndsWithSession(t *testing.T) {
	e := newEnv(t)
	tokens := func(scope string) string {
		p := newPKCE()
		v := authParams("web", rpRedirect, p)
		v.Set("scope", scope)
		code, _ := e.browser().login(v, e.card())
		st, body := e.exchange(code, rpRedirect, p.verifier)
		if st != http.StatusOK {
			t.Fatalf("token: %d %v", st, body)
		}
		return body["refresh_token"].(string)
	}
	online, offline := tokens("openid"), tokens("openid offline_access")
	e.clock.Advance(e.srv.cfg.SessionTTL - time.Minute)
	if st, body := e.refresh(online, "web", "web-secret"); st != http.StatusOK {
		t.Fatalf("before the session's end: %d %v", st, body)
	}
	e.clock.Advance(2 * time.Minute)
	if st, body := e.refresh(online, "web", "web-secret"); st != http.StatusBadRequest {
		t.Errorf("session-bound family after the session's end: %d %v, want 400", st, body)
	}
	if st, body := e.refresh(offline, "web", "web-secret"); st != http.StatusOK {
		t.Errorf("offline family after the session's end: %d %v", st, body)
	}
}

// exchangeAfterMembers runs hook once, right after a logout listed the
// session's families: a code exchange landing in between.
type exchangeAfterMembers struct {
	store.Backend
	hook func()
}

func (b *exchangeAfterMembers) Members(ctx context.Context, ns, set string) ([]string, error) {
	ms, err := b.Backend.Members(ctx, ns, set)
	if h := b.hook; h != nil && ns == nsSession {
		b.hook = nil
		h()
	}
	return ms, err
}

// TestLogoutRacesCodeExchange: a logout marks the session ended before it
// lists the session's families, so an exchange landing after that list
// is refused instead of adding a family the logout never revokes.
func TestLogoutRacesCodeExchange(t *testing.T) {
	clk := newClock()
	wrap := &exchangeAfterMembers{Backend: openBolt(t, clk)}
	e := newEnvOn(t, clk, wrap)
	b := e.browser()
	b.login(authParams("online", rpRedirect, newPKCE()), e.card())
	p := newPKCE()
	code, _ := b.login(authParams("online", rpRedirect, p), e.card()) // SSO
	var st int
	var body map[string]any
	wrap.hook = func() {
		st, body = e.postFormBasic(code, p.verifier, "online", "online-secret")
	}
	if err := e.srv.deleteSession(context.Background(), hashKey(b.sessionCookie())); err != nil {
		t.Fatal(err)
	}
	if st != http.StatusBadRequest || body["error"] != "invalid_grant" {
		rt, _ := body["refresh_token"].(string)
		rst, _ := e.refresh(rt, "online", "online-secret")
		t.Fatalf("exchange during the logout: %d %v; a refresh after the logout: %d", st, body, rst)
	}
}
