package server

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
)

func getJSONDoc(t *testing.T, u string, origin string) (map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d", u, resp.StatusCode)
	}
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m, resp.Header
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestDiscovery(t *testing.T) {
	e := newEnv(t)
	doc, h := getJSONDoc(t, e.issuer+pathDiscovery, "https://rp.example")
	if h.Get("Access-Control-Allow-Origin") == "" {
		t.Error("discovery without CORS")
	}
	oauth, _ := getJSONDoc(t, e.issuer+pathOAuthMeta, "")
	if doc["issuer"] != e.issuer || oauth["issuer"] != e.issuer {
		t.Errorf("issuer %v / %v", doc["issuer"], oauth["issuer"])
	}
	checks := map[string][]string{
		"response_types_supported":              {"code"},
		"code_challenge_methods_supported":      {"S256"},
		"subject_types_supported":               {"pairwise", "public"},
		"id_token_signing_alg_values_supported": {"ES256", "PS256", "RS256"},
		"grant_types_supported":                 {"authorization_code", "refresh_token", "client_credentials"},
		"acr_values_supported":                  {ACRCard, ACRCardSoftFail},
	}
	for k, want := range checks {
		if got := strs(doc[k]); !slices.Equal(got, want) {
			t.Errorf("%s = %v, want %v", k, got, want)
		}
	}
	for _, m := range []string{"client_secret_basic", "client_secret_post", "private_key_jwt"} {
		if !slices.Contains(strs(doc["token_endpoint_auth_methods_supported"]), m) {
			t.Errorf("token auth methods lack %s", m)
		}
	}
	if slices.Contains(strs(doc["token_endpoint_auth_signing_alg_values_supported"]), "RS256") {
		t.Error("RS256 client assertions advertised")
	}
	if doc["authorization_response_iss_parameter_supported"] != true {
		t.Error("iss parameter not advertised")
	}
	if _, ok := doc["registration_endpoint"]; ok {
		t.Error("registration_endpoint advertised while registration is off")
	}

	keys, kh := getJSONDoc(t, doc["jwks_uri"].(string), "https://rp.example")
	if len(keys["keys"].([]any)) == 0 || kh.Get("Access-Control-Allow-Origin") == "" {
		t.Errorf("jwks %v", keys)
	}
	for _, k := range keys["keys"].([]any) {
		if _, private := k.(map[string]any)["d"]; private {
			t.Fatal("private key in the JWKS")
		}
	}
}

func TestNoCORSOnAuthorize(t *testing.T) {
	e := newEnv(t)
	for _, method := range []string{http.MethodGet, http.MethodOptions} {
		req, _ := http.NewRequest(method, e.issuer+pathAuthorize+"?"+authParams("web", rpRedirect, newPKCE()).Encode(), nil)
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Access-Control-Request-Method", "GET")
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("%s /authorize: Access-Control-Allow-Origin %q", method, v)
		}
	}
	// The token endpoint answers a preflight.
	req, _ := http.NewRequest(http.MethodOptions, e.issuer+pathToken, nil)
	req.Header.Set("Origin", "https://spa.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") == "" {
		t.Error("no CORS preflight on /token")
	}
}

func TestSessionCookie(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	resp := b.authorize(authParams("web", rpRedirect, newPKCE()))
	var c *http.Cookie
	for _, x := range resp.Cookies() {
		if x.Name == defaultCookieName {
			c = x
		}
	}
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
		t.Fatalf("cookie %+v", c)
	}
	if c.Secure {
		t.Error("Secure cookie on an http dev issuer")
	}
	e.srv.secureCookie = true // as on an https issuer
	if !e.srv.sessionCookie("x", 1).Secure {
		t.Error("cookie not Secure on https")
	}
}
