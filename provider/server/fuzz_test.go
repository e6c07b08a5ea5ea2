package server

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzTokenRequest posts arbitrary forms and credentials to the token
// endpoint: the answer is never a 5xx and never a panic.
func FuzzTokenRequest(f *testing.F) {
	e := newEnv(f)
	h := e.srv.Handler()
	p := newPKCE()
	for _, seed := range []struct{ body, user, pass string }{
		{"grant_type=authorization_code&code=abc&redirect_uri=" + url.QueryEscape(rpRedirect) + "&code_verifier=" + p.verifier, "web", "web-secret"},
		{"grant_type=refresh_token&refresh_token=abc", "web", "web-secret"},
		{"grant_type=refresh_token&refresh_token=abc&scope=openid+x", "rot", "rot-secret"},
		{"grant_type=client_credentials&scope=api.read", "svc", "svc-secret"},
		{"grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=e30.e30.e30", "", ""},
		{"grant_type=authorization_code&client_id=spa&code=x&redirect_uri=x", "", ""},
		{"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=a.b.c", "", ""},
		{"%", "", ""},
		{"grant_type=authorization_code&code=%00&redirect_uri=%ff", "web", "web-secret"},
	} {
		f.Add(seed.body, seed.user, seed.pass)
	}
	f.Fuzz(func(t *testing.T, body, user, pass string) {
		req := httptest.NewRequest(http.MethodPost, e.issuer+pathToken, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if user != "" || pass != "" {
			req.SetBasicAuth(user, pass)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Fatal("token answer without no-store")
		}
	})
}

// FuzzAuthorizeRequest sends arbitrary authorization requests by GET and
// POST: never a 5xx, and a redirect goes only to the login page, the
// callback or a registered redirect URI (no open redirector).
func FuzzAuthorizeRequest(f *testing.F) {
	e := newEnv(f)
	h := e.srv.Handler()
	good := authParams("web", rpRedirect, newPKCE())
	f.Add(good.Encode(), false)
	f.Add(good.Encode(), true)
	bad := authParams("web", "https://evil.example/cb", newPKCE())
	f.Add(bad.Encode(), false)
	f.Add(good.Encode()+"&prompt=none&max_age=0&id_token_hint=a.b.c", false)
	f.Add(good.Encode()+"&request=e30.e30.&response_mode=form_post", true)
	f.Add("client_id=web&redirect_uri="+url.QueryEscape(rpRedirect)+"&response_type=token", false)
	f.Add("client_id=web&redirect_uri="+url.QueryEscape(rpRedirect)+"&scope=openid&response_type=code&code_challenge_method=plain&code_challenge=abc", false)
	f.Add("%zz&client_id=\x00", false)
	f.Fuzz(func(t *testing.T, form string, post bool) {
		var req *http.Request
		if post {
			req = httptest.NewRequest(http.MethodPost, e.issuer+pathAuthorize, strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req = httptest.NewRequest(http.MethodGet, e.issuer+pathAuthorize, nil)
			req.URL.RawQuery = form
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q: %s", rec.Code, form, rec.Body)
		}
		if loc := rec.Header().Get("Location"); loc != "" {
			if !strings.HasPrefix(loc, rpRedirect) && !strings.HasPrefix(loc, "/login?") &&
				!strings.HasPrefix(loc, e.issuer+pathCallback) {
				t.Fatalf("redirect to %q for %q", loc, form)
			}
			if rec.Code != http.StatusSeeOther {
				t.Fatalf("redirect with %d", rec.Code)
			}
		}
	})
}

// FuzzLoginAPI feeds arbitrary auth request ids to the login API and the
// callback: unknown ids are ErrUnknownRequest and 400, never a fault.
func FuzzLoginAPI(f *testing.F) {
	e := newEnv(f)
	h := e.srv.Handler()
	f.Add("nope")
	f.Add("\x00")
	f.Add(strings.Repeat("x", 700))
	f.Fuzz(func(t *testing.T, id string) {
		if _, err := e.srv.LoginInfo(t.Context(), id); err != ErrUnknownRequest {
			t.Fatalf("LoginInfo(%q): %v", id, err)
		}
		if _, err := e.srv.Consent(t.Context(), id, true); err != ErrUnknownRequest {
			t.Fatalf("Consent(%q): %v", id, err)
		}
		req := httptest.NewRequest(http.MethodGet, e.issuer+pathCallback, nil)
		req.URL.RawQuery = url.Values{"id": {id}}.Encode()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest {
			t.Fatalf("callback(%q): %d", id, rec.Code)
		}
	})
}

// FuzzBearerToken: any bearer token at userinfo and introspection, and
// any refresh token, is refused cleanly (never a 5xx), and the lookup
// keys read from it are well-formed or absent.
func FuzzBearerToken(f *testing.F) {
	e := newEnv(f)
	tok := e.tokens("web", "web-secret")
	for _, s := range []string{tok["access_token"].(string), tok["refresh_token"].(string),
		"a.b.c", "e30.e30.", "x.eyJqdGkiOiJcdTAwMDAifQ.x", "AAAAAAAAAAAAAAAAAAAAAA.secret", ".", "..", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if fam := familyOf(s); fam != "" && (len(fam) != idLen || !isBase64URL(fam, idLen)) {
			t.Fatalf("familyOf(%q) = %q", s, fam)
		}
		if jti, ok := unverifiedJTI(s); ok && (jti == "" || len(jti) > 64) {
			t.Fatalf("unverifiedJTI(%q) = %q", s, jti)
		}
		if s == tok["access_token"] || s == tok["refresh_token"] {
			return // the genuine ones are accepted
		}
		if _, _, err := e.srv.lookupAccess(t.Context(), s); err != errInactive {
			t.Fatalf("lookupAccess(%q): %v", s, err)
		}
		if _, err := e.srv.lookupRefresh(t.Context(), s); err != errInactive {
			t.Fatalf("lookupRefresh(%q): %v", s, err)
		}
	})
}

func TestTokenLookupKeys(t *testing.T) {
	fam := newID()
	for _, tc := range []struct {
		tok, fam string
	}{
		{fam + "." + newSecret(), fam},
		{fam + ".", fam},
		{newSecret(), ""},
		{"short.secret", ""},
		{fam[:21] + "*." + newSecret(), ""},
		{"", ""},
		{".x", ""},
	} {
		if got := familyOf(tc.tok); got != tc.fam {
			t.Errorf("familyOf(%q) = %q, want %q", tc.tok, got, tc.fam)
		}
	}
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, tc := range []struct {
		name, tok, jti string
	}{
		{"good", "h." + enc(`{"jti":"abc"}`) + ".s", "abc"},
		{"no jti", "h." + enc(`{"sub":"x"}`) + ".s", ""},
		{"long jti", "h." + enc(`{"jti":"`+strings.Repeat("a", 65)+`"}`) + ".s", ""},
		{"not base64", "h.!!.s", ""},
		{"padded", "h." + base64.URLEncoding.EncodeToString([]byte(`{"jti":"abc"}`)) + ".s", ""},
		{"not json", "h." + enc("jti") + ".s", ""},
		{"jti not a string", "h." + enc(`{"jti":5}`) + ".s", ""},
		{"one part", "abc", ""},
	} {
		got, ok := unverifiedJTI(tc.tok)
		if got != tc.jti || ok != (tc.jti != "") {
			t.Errorf("%s: unverifiedJTI = %q, %v; want %q", tc.name, got, ok, tc.jti)
		}
	}
}
