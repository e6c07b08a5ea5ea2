package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// parseJWT returns a JWT's header typ and claims without verifying it.
func parseJWT(t *testing.T, tok string) (string, map[string]any) {
	t.Helper()
	jws, err := jose.ParseSigned(tok, []jose.SignatureAlgorithm{jose.ES256, jose.PS256, jose.RS256})
	if err != nil {
		t.Fatalf("parse %q: %v", tok, err)
	}
	typ, _ := jws.Signatures[0].Protected.ExtraHeaders[jose.HeaderType].(string)
	var claims map[string]any
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &claims); err != nil {
		t.Fatal(err)
	}
	return typ, claims
}

func TestCodeFlow(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	p := newPKCE()
	v := authParams("web", rpRedirect, p)
	code, loc := b.login(v, e.card())
	if code == "" {
		t.Fatalf("no code in %s", loc)
	}
	q := loc.Query()
	if q.Get("state") != v.Get("state") || q.Get("iss") != e.issuer {
		t.Errorf("callback params %v: want state and iss", q)
	}
	st, body := e.exchange(code, rpRedirect, p.verifier)
	if st != http.StatusOK {
		t.Fatalf("token: %d %v", st, body)
	}
	at, _ := body["access_token"].(string)
	typ, claims := parseJWT(t, at)
	if typ != "at+jwt" {
		t.Errorf("access token typ %q", typ)
	}
	for _, c := range []string{"iss", "sub", "aud", "exp", "iat", "jti", "client_id", "scope", "auth_time", "acr"} {
		if _, ok := claims[c]; !ok {
			t.Errorf("access token lacks %s", c)
		}
	}
	_, id := parseJWT(t, body["id_token"].(string))
	if id["nonce"] != v.Get("nonce") || id["acr"] != ACRCard || id["sid"] == "" || id["at_hash"] == nil || id["c_hash"] == nil || id["auth_time"] == nil {
		t.Errorf("id token claims %v", id)
	}
	if id["sub"] != claims["sub"] {
		t.Errorf("id token sub %v != access token sub %v", id["sub"], claims["sub"])
	}
	if body["refresh_token"] == nil {
		t.Error("no refresh token for a client with the refresh_token grant")
	}
	// Logs never carry the code or the tokens.
	logs := e.logs.String()
	for _, secret := range []string{code, at, body["refresh_token"].(string), p.verifier, "web-secret"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain a secret")
		}
	}
}

func TestTokenResponseHeaders(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	p := newPKCE()
	code, _ := b.login(authParams("web", rpRedirect, p), e.card())
	st, _, h := e.postForm(pathToken, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {rpRedirect}, "code_verifier": {p.verifier}}, "web", "web-secret")
	if st != http.StatusOK {
		t.Fatal(st)
	}
	if h.Get("Cache-Control") != "no-store" || h.Get("Pragma") != "no-cache" {
		t.Errorf("token headers: Cache-Control %q Pragma %q", h.Get("Cache-Control"), h.Get("Pragma"))
	}
	// An error answer is no-store too.
	_, _, h = e.postForm(pathToken, url.Values{"grant_type": {"authorization_code"}, "code": {"x"},
		"redirect_uri": {rpRedirect}, "code_verifier": {p.verifier}}, "web", "web-secret")
	if h.Get("Cache-Control") != "no-store" {
		t.Error("error answer cacheable")
	}
}

func TestCodeReuseRevokes(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	p := newPKCE()
	code, _ := b.login(authParams("web", rpRedirect, p), e.card())
	st, body := e.exchange(code, rpRedirect, p.verifier)
	if st != http.StatusOK {
		t.Fatal(st, body)
	}
	at := body["access_token"].(string)
	rt := body["refresh_token"].(string)
	if got := e.introspect(at); got["active"] != true {
		t.Fatalf("fresh token inactive: %v", got)
	}
	e.clock.Advance(30 * time.Second) // oidcc-codereuse-30seconds
	st, body = e.exchange(code, rpRedirect, p.verifier)
	if st != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("reuse: %d %v, want 400 invalid_grant", st, body)
	}
	if got := e.introspect(at); got["active"] != false {
		t.Errorf("access token still active after code reuse: %v", got)
	}
	if got := e.introspect(rt); got["active"] != false {
		t.Errorf("refresh token still active after code reuse: %v", got)
	}
}

func TestCodeExpiry(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	p := newPKCE()
	code, _ := b.login(authParams("web", rpRedirect, p), e.card())
	e.clock.Advance(61 * time.Second)
	st, body := e.exchange(code, rpRedirect, p.verifier)
	if st != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("expired code: %d %v", st, body)
	}
}

func TestCodeBoundToClient(t *testing.T) {
	e := newEnv(t)
	p := newPKCE()
	code, _ := e.browser().login(authParams("web", rpRedirect, p), e.card())
	st, body, _ := e.postForm(pathToken, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {rpRedirect}, "code_verifier": {p.verifier}}, "web2", "web2-secret")
	if st != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("other client: %d %v", st, body)
	}
	// The rightful client can still redeem it.
	if st, body := e.exchange(code, rpRedirect, p.verifier); st != http.StatusOK {
		t.Fatalf("rightful client after refusal: %d %v", st, body)
	}
}

func TestPKCERefusals(t *testing.T) {
	e := newEnv(t)
	p := newPKCE()
	t.Run("missing challenge", func(t *testing.T) {
		v := authParams("web", rpRedirect, p)
		v.Del("code_challenge")
		v.Del("code_challenge_method")
		checkAuthError(t, e, v, "invalid_request")
	})
	t.Run("plain", func(t *testing.T) {
		v := authParams("web", rpRedirect, p)
		v.Set("code_challenge_method", "plain")
		v.Set("code_challenge", p.verifier)
		checkAuthError(t, e, v, "invalid_request")
	})
	t.Run("no method means plain", func(t *testing.T) {
		v := authParams("web", rpRedirect, p)
		v.Del("code_challenge_method")
		checkAuthError(t, e, v, "invalid_request")
	})
	t.Run("missing verifier", func(t *testing.T) {
		code, _ := e.browser().login(authParams("web", rpRedirect, p), e.card())
		st, body := e.exchange(code, rpRedirect, "")
		if st != http.StatusBadRequest || body["error"] != "invalid_request" {
			t.Fatalf("%d %v", st, body)
		}
	})
	t.Run("wrong verifier", func(t *testing.T) {
		code, _ := e.browser().login(authParams("web", rpRedirect, p), e.card())
		st, body := e.exchange(code, rpRedirect, newPKCE().verifier)
		if st != http.StatusBadRequest || body["error"] != "invalid_grant" {
			t.Fatalf("%d %v", st, body)
		}
	})
	t.Run("public client too", func(t *testing.T) {
		code, _ := e.browser().login(authParams("spa", rpRedirect, p), e.card())
		st, body, _ := e.postForm(pathToken, url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"redirect_uri": {rpRedirect}, "client_id": {"spa"}}, "", "")
		if st != http.StatusBadRequest {
			t.Fatalf("%d %v", st, body)
		}
	})
}

// checkAuthError expects /authorize to redirect to the client with err,
// state and iss.
func checkAuthError(t *testing.T, e *env, v url.Values, want string) *url.URL {
	t.Helper()
	resp := e.browser().authorize(v)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303", resp.StatusCode)
	}
	loc, _ := resp.Location()
	if !strings.HasPrefix(loc.String(), rpRedirect) {
		t.Fatalf("redirected to %s", loc)
	}
	q := loc.Query()
	if q.Get("error") != want || q.Get("iss") != e.issuer || q.Get("state") != v.Get("state") {
		t.Fatalf("error redirect %v: want error=%s with iss and state", q, want)
	}
	return loc
}

func TestRedirectURIRefusals(t *testing.T) {
	e := newEnv(t)
	p := newPKCE()
	for name, redirect := range map[string]string{
		"unregistered": "https://evil.example/cb",
		"prefix":       rpRedirect + "/more",
		"query added":  rpRedirect + "?x=1",
		"case":         "https://RP.example/cb",
		"missing":      "",
	} {
		t.Run(name, func(t *testing.T) {
			resp := e.browser().authorize(authParams("web", redirect, p))
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Fatalf("status %d location %q: want an error page", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
	t.Run("unknown client", func(t *testing.T) {
		resp := e.browser().authorize(authParams("nobody", rpRedirect, p))
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	t.Run("token endpoint", func(t *testing.T) {
		code, _ := e.browser().login(authParams("web", rpRedirect, p), e.card())
		st, body := e.exchange(code, "https://rp.example/other", p.verifier)
		if st != http.StatusBadRequest || body["error"] != "invalid_grant" {
			t.Fatalf("%d %v", st, body)
		}
	})
}

func TestCallbackOtherBrowser(t *testing.T) {
	e := newEnv(t)
	victim := e.browser()
	resp := victim.authorize(authParams("web", rpRedirect, newPKCE()))
	loc, _ := resp.Location()
	id := loc.Query().Get("id")
	if err := e.srv.CompleteCardLogin(context.Background(), id, e.card()); err != nil {
		t.Fatal(err)
	}
	attacker := e.browser()
	if resp := attacker.get(e.srv.CallbackURL(id)); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("callback from another browser: %d", resp.StatusCode)
	}
	// The rightful browser still completes.
	resp = victim.get(e.srv.CallbackURL(id))
	if l, _ := resp.Location(); l == nil || l.Query().Get("code") == "" {
		t.Fatalf("victim callback: %d", resp.StatusCode)
	}
	// And only once.
	if resp := victim.get(e.srv.CallbackURL(id)); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("second callback: %d", resp.StatusCode)
	}
	if err := e.srv.CompleteCardLogin(context.Background(), id, e.card()); err == nil {
		t.Fatal("CompleteCardLogin on a used request succeeded")
	}
}

// TestCallbackReplacesSession: a login in a browser that already holds a
// session ends that session at the callback (its cookie is replaced, the
// record deleted, its refresh families without offline_access revoked),
// while the first login of a browser, whose cookie /authorize minted, has
// no session to end.
func TestCallbackReplacesSession(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b := e.browser()
	cookie := func() string {
		for _, c := range b.c.Jar.Cookies(mustParse(t, e.issuer+"/")) {
			if c.Name == e.srv.cfg.SessionCookie {
				return c.Value
			}
		}
		t.Fatal("no session cookie")
		return ""
	}

	p := newPKCE()
	resp := b.authorize(authParams("web", rpRedirect, p))
	minted := cookie()
	loc, _ := resp.Location()
	id := loc.Query().Get("id")
	raw, err := e.backend.Get(ctx, nsAuthReq, id)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"browser_minted":true`) {
		t.Fatalf("auth request of a browser without a cookie: %s", raw)
	}
	if err := e.srv.CompleteCardLogin(ctx, id, e.card()); err != nil {
		t.Fatal(err)
	}
	resp = b.get(e.srv.CallbackURL(id))
	loc, _ = resp.Location()
	first := cookie()
	if loc == nil || loc.Query().Get("code") == "" || first == minted {
		t.Fatalf("first login: %d, cookie replaced %v", resp.StatusCode, first != minted)
	}
	st, body := e.exchange(loc.Query().Get("code"), rpRedirect, p.verifier)
	rt, _ := body["refresh_token"].(string)
	if st != http.StatusOK || rt == "" {
		t.Fatalf("token: %d %v", st, body)
	}

	// A second login in the same browser (prompt=login: no SSO).
	v := authParams("web", rpRedirect, newPKCE())
	v.Set("prompt", "login")
	resp = b.authorize(v)
	loc, _ = resp.Location()
	id = loc.Query().Get("id")
	if raw, err = e.backend.Get(ctx, nsAuthReq, id); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "browser_minted") {
		t.Fatalf("auth request of a browser with a session says its cookie was minted: %s", raw)
	}
	if err := e.srv.CompleteCardLogin(ctx, id, e.card()); err != nil {
		t.Fatal(err)
	}
	resp = b.get(e.srv.CallbackURL(id))
	if l, _ := resp.Location(); l == nil || l.Query().Get("code") == "" {
		t.Fatalf("second login: %d", resp.StatusCode)
	}
	second := cookie()
	if second == first {
		t.Fatal("the session cookie was not replaced")
	}
	if _, err := e.backend.Get(ctx, nsSession, hashKey(first)); !notFound(err) {
		t.Fatalf("the old session is still stored (err %v)\n%s", err, e.logs.String())
	}
	if _, err := e.backend.Get(ctx, nsSession, hashKey(second)); err != nil {
		t.Fatalf("the new session: %v", err)
	}
	if st, body, _ := e.postForm(pathToken, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, "web", "web-secret"); st != http.StatusBadRequest {
		t.Fatalf("refresh with the old session's token: %d %v", st, body)
	}
}
