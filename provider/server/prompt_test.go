package server

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestPromptNoneWithoutSession(t *testing.T) {
	e := newEnv(t)
	v := authParams("web", rpRedirect, newPKCE())
	v.Set("prompt", "none")
	checkAuthError(t, e, v, "login_required")
}

func TestSSOAndPrompts(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	card := e.card()
	code, _ := b.login(authParams("web", rpRedirect, newPKCE()), card)
	if code == "" {
		t.Fatal("no code")
	}
	firstAuthTime := e.clock.Now().Unix()

	// A second request within the session needs no card: straight to
	// the callback, and prompt=none works.
	e.clock.Advance(5 * time.Second)
	p := newPKCE()
	v := authParams("web", rpRedirect, p)
	v.Set("prompt", "none")
	resp := b.authorize(v)
	loc, _ := resp.Location()
	if loc.Path != pathCallback {
		t.Fatalf("SSO went to %v", loc)
	}
	resp = b.get(loc.String())
	loc, _ = resp.Location()
	st, body := e.exchange(loc.Query().Get("code"), rpRedirect, p.verifier)
	if st != http.StatusOK {
		t.Fatal(st, body)
	}
	_, id := parseJWT(t, body["id_token"].(string))
	if int64(id["auth_time"].(float64)) != firstAuthTime {
		t.Errorf("SSO auth_time %v, want the session's %d", id["auth_time"], firstAuthTime)
	}

	// max_age satisfied: SSO; max_age exceeded: login page.
	v = authParams("web", rpRedirect, newPKCE())
	v.Set("max_age", "10000")
	if loc := location(b.authorize(v)); loc.Path != pathCallback {
		t.Errorf("max_age=10000 went to %v", loc)
	}
	v.Set("max_age", "1")
	if loc := location(b.authorize(v)); loc.Path != "/login" {
		t.Errorf("max_age=1 after 5s went to %v", loc)
	}
	v.Set("prompt", "none")
	checkAuthErrorWith(t, e, b, v, "login_required")

	// prompt=login forces the card, and auth_time moves on.
	v = authParams("web", rpRedirect, newPKCE())
	v.Set("prompt", "login")
	if loc := location(b.authorize(v)); loc.Path != "/login" {
		t.Errorf("prompt=login went to %v", loc)
	}
	e.clock.Advance(3 * time.Second)
	p = newPKCE()
	v = authParams("web", rpRedirect, p)
	v.Set("prompt", "login")
	card.VerifiedAt = e.clock.Now()
	code, _ = b.login(v, card)
	_, body = e.exchange(code, rpRedirect, p.verifier)
	_, id2 := parseJWT(t, body["id_token"].(string))
	if int64(id2["auth_time"].(float64)) <= firstAuthTime {
		t.Errorf("prompt=login auth_time %v not after %d", id2["auth_time"], firstAuthTime)
	}
	if id2["sub"] != id["sub"] {
		t.Error("same card, different sub")
	}

	// id_token_hint: the session's user → silent; another user → login.
	v = authParams("web", rpRedirect, newPKCE())
	v.Set("prompt", "none")
	v.Set("id_token_hint", body["id_token"].(string))
	if loc := location(b.authorize(v)); loc.Path != pathCallback {
		t.Errorf("matching id_token_hint went to %v", loc)
	}
	other := e.browser()
	p = newPKCE()
	code, _ = other.login(authParams("web", rpRedirect, p), e.card()) // another card, another user
	_, ob := e.exchange(code, rpRedirect, p.verifier)
	v.Set("id_token_hint", ob["id_token"].(string))
	checkAuthErrorWith(t, e, b, v, "login_required")
}

func TestIDTokenHintMismatchAtLogin(t *testing.T) {
	e := newEnv(t)
	p := newPKCE()
	code, _ := e.browser().login(authParams("web", rpRedirect, p), e.card())
	_, body := e.exchange(code, rpRedirect, p.verifier)
	v := authParams("web", rpRedirect, newPKCE())
	v.Set("id_token_hint", body["id_token"].(string))
	b := e.browser()
	loc := location(b.authorize(v))
	id := loc.Query().Get("id")
	if err := e.srv.CompleteCardLogin(context.Background(), id, e.card()); err != nil { // someone else's card
		t.Fatal(err)
	}
	loc = location(b.get(e.srv.CallbackURL(id)))
	if loc.Query().Get("error") != "login_required" || loc.Query().Get("iss") != e.issuer {
		t.Fatalf("hint mismatch: %v", loc)
	}
}

func TestConsent(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b := e.browser()
	card := e.card()
	v := authParams("consent", rpRedirect, newPKCE())
	loc := location(b.authorize(v))
	id := loc.Query().Get("id")
	info, err := e.srv.LoginInfo(ctx, id)
	if err != nil || !info.ConsentRequired {
		t.Fatalf("LoginInfo %+v %v", info, err)
	}
	if _, err := e.srv.Consent(ctx, id, true); err != ErrNotLoggedIn {
		t.Fatalf("consent before login: %v", err)
	}
	if err := e.srv.CompleteCardLogin(ctx, id, card); err != nil {
		t.Fatal(err)
	}
	// Callback before consent sends the browser back to the pages.
	if loc := location(b.get(e.srv.CallbackURL(id))); loc.Path != "/login" {
		t.Fatalf("callback before consent: %v", loc)
	}
	red, err := e.srv.Consent(ctx, id, false)
	if err != nil {
		t.Fatal(err)
	}
	if u := location(b.get(red)); u.Query().Get("error") != "access_denied" || u.Query().Get("iss") != e.issuer || u.Query().Get("state") != v.Get("state") {
		t.Fatalf("deny: %s", u)
	}

	// Granted once, not asked again for the same scopes.
	p := newPKCE()
	v = authParams("consent", rpRedirect, p)
	loc = location(b.authorize(v))
	id = loc.Query().Get("id")
	if loc.Path != "/login" {
		t.Fatalf("first consent went to %v", loc) // the SSO session exists, but consent is missing
	}
	red, err = e.srv.Consent(ctx, id, true)
	if err != nil {
		t.Fatal(err)
	}
	loc = location(b.get(red))
	if loc.Query().Get("code") == "" {
		t.Fatalf("after consent: %v", loc)
	}
	v = authParams("consent", rpRedirect, newPKCE())
	v.Set("prompt", "none")
	if loc := location(b.authorize(v)); loc.Path != pathCallback {
		t.Fatalf("consented client: %v", loc)
	}
}

func TestLoginAPIErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.srv.LoginInfo(ctx, "nope"); err != ErrUnknownRequest {
		t.Errorf("LoginInfo unknown: %v", err)
	}
	if err := e.srv.CompleteCardLogin(ctx, "nope", e.card()); err != ErrUnknownRequest {
		t.Errorf("CompleteCardLogin unknown: %v", err)
	}
	loc := location(e.browser().authorize(authParams("web", rpRedirect, newPKCE())))
	id := loc.Query().Get("id")
	e.clock.Advance(11 * time.Minute)
	if err := e.srv.CompleteCardLogin(ctx, id, e.card()); err != ErrUnknownRequest {
		t.Errorf("expired request: %v", err)
	}
}

func TestFormPostAndFragment(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	v := authParams("web", rpRedirect, newPKCE())
	v.Set("response_mode", "form_post")
	v.Set("state", `"><script>x</script>`)
	loc := location(b.authorize(v))
	id := loc.Query().Get("id")
	if err := e.srv.CompleteCardLogin(context.Background(), id, e.card()); err != nil {
		t.Fatal(err)
	}
	resp, err := b.c.Get(e.srv.CallbackURL(id))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	s := string(page)
	if resp.StatusCode != 200 || !strings.Contains(s, `action="https://rp.example/cb"`) || !strings.Contains(s, `name="code"`) ||
		!strings.Contains(s, `name="iss"`) || strings.Contains(s, "<script>x") {
		t.Fatalf("form_post page %d:\n%s", resp.StatusCode, s)
	}

	v = authParams("web", rpRedirect, newPKCE())
	v.Set("response_mode", "fragment")
	v.Set("prompt", "none")
	loc = location(b.get(location(b.authorize(v)).String()))
	f, _ := url.ParseQuery(loc.Fragment)
	if f.Get("code") == "" || f.Get("iss") != e.issuer || loc.RawQuery != "" {
		t.Fatalf("fragment response %v", loc)
	}
}

func TestPromptConsent(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login(authParams("web", rpRedirect, newPKCE()), e.card())
	v := authParams("web", rpRedirect, newPKCE())
	v.Set("prompt", "consent")
	if loc := location(b.authorize(v)); loc.Path != "/login" {
		t.Fatalf("prompt=consent went to %v", loc)
	}
}

// TestSSOKeepsLoginPurpose: accounts are per certificate, so a session
// serves only requests of its own login's purpose. A request for
// verified_claims is not completed from an authentication login (it
// needs the signature certificate), and a signature login's session does
// not answer a plain request (the client would see another sub).
func TestSSOKeepsLoginPurpose(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	plain := func() url.Values { return authParams("web", rpRedirect, newPKCE()) }
	signed := func() url.Values {
		v := authParams("web", rpRedirect, newPKCE())
		v.Set("scope", "openid "+scopeVerifiedClaims)
		return v
	}
	// reused reports whether /authorize took the session: straight to the
	// callback, or to a login page with the login already done (consent).
	reused := func(v url.Values) bool {
		t.Helper()
		loc := location(b.authorize(v))
		if loc.Path == pathCallback {
			return true
		}
		info, err := e.srv.LoginInfo(context.Background(), loc.Query().Get("id"))
		if err != nil {
			t.Fatalf("%v: %v", loc, err)
		}
		return info.Done
	}
	b.login(plain(), e.card())
	if !reused(plain()) {
		t.Fatal("plain request after an auth login: no SSO")
	}
	if reused(signed()) {
		t.Error("verified_claims request completed from an auth login")
	}
	v := signed()
	v.Set("prompt", "none")
	checkAuthErrorWith(t, e, b, v, "login_required")

	b.signLogin(signed())
	if !reused(signed()) {
		t.Fatal("verified_claims request after a sign login: no SSO")
	}
	if reused(plain()) {
		t.Error("plain request completed from a sign login")
	}
}

// TestPurposeSwitchKeepsOtherSession: a signature login in a browser with
// an authentication session does not end that session, whose refresh
// tokens other clients hold; a login of the same purpose still does
// (TestCallbackReplacesSession).
func TestPurposeSwitchKeepsOtherSession(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	body := b.tokens("online", "online-secret", "openid")
	rt, _ := body["refresh_token"].(string)
	if rt == "" {
		t.Fatalf("no refresh token: %v", body)
	}

	v := authParams("web", rpRedirect, newPKCE())
	v.Set("scope", "openid "+scopeVerifiedClaims)
	b.signLogin(v)
	if st, body := e.refresh(rt, "online", "online-secret"); st != http.StatusOK {
		t.Errorf("the auth session's refresh token after a sign login: %d %v", st, body)
	}
}

// TestSessionWithoutPurposeNotReused: a session stored before sessions
// recorded their purpose could be a signature login's; SSO takes it for
// no request.
func TestSessionWithoutPurposeNotReused(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b := e.browser()
	b.login(authParams("web", rpRedirect, newPKCE()), e.card())
	if loc := location(b.authorize(authParams("web", rpRedirect, newPKCE()))); loc.Path != pathCallback {
		t.Fatalf("SSO went to %v", loc)
	}
	key := hashKey(b.sessionCookie())
	raw, err := e.backend.Get(ctx, nsSession, key)
	if err != nil {
		t.Fatal(err)
	}
	old := strings.Replace(string(raw), `"purpose":"auth"`, `"x":""`, 1)
	if old == string(raw) {
		t.Fatalf("no purpose in %s", raw)
	}
	if err := e.backend.Put(ctx, nsSession, key, []byte(old), time.Hour); err != nil {
		t.Fatal(err)
	}
	if loc := location(b.authorize(authParams("web", rpRedirect, newPKCE()))); loc.Path == pathCallback {
		t.Error("a session without a purpose was reused")
	}
}

// signLogin runs a request for verified_claims through a signature login
// and the consent it always needs, to the code.
func (b *browser) signLogin(v url.Values) string {
	b.e.t.Helper()
	ctx := context.Background()
	id := location(b.authorize(v)).Query().Get("id")
	if err := b.e.srv.CompleteCardLogin(ctx, id, b.e.signCard()); err != nil {
		b.e.t.Fatal(err)
	}
	red, err := b.e.srv.Consent(ctx, id, true)
	if err != nil {
		b.e.t.Fatal(err)
	}
	code := location(b.get(red)).Query().Get("code")
	if code == "" {
		b.e.t.Fatal("sign login: no code")
	}
	return code
}
