package clients

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func newHandler(t *testing.T, opts RegistrationOptions) (*Registry, http.Handler, *writes) {
	t.Helper()
	b := openStore(t)
	clk := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	r := New(b, staticClients(t), WithClock(func() time.Time { return clk }))
	if opts.Issuer == "" {
		opts.Issuer = issuer + "/"
	}
	return r, r.RegistrationHandler(opts), b
}

func TestRegisterSuccess(t *testing.T) {
	ctx := context.Background()
	r, h, _ := newHandler(t, RegistrationOptions{InitialAccessToken: "iat-123"})
	code, resp, hdr := do(t, h, "POST", "/register", "iat-123", map[string]any{
		"redirect_uris":                []string{"https://rp.example.jp/cb", "https://rp.example.jp/cb2"},
		"client_name":                  "地方銀行",
		"scope":                        "openid offline_access",
		"grant_types":                  []string{"authorization_code", "refresh_token"},
		"id_token_signed_response_alg": "PS256",
		"logo_uri":                     "https://rp.example.jp/logo.png", // unknown to us: ignored
	})
	if code != http.StatusCreated {
		t.Fatalf("status %d: %v", code, resp)
	}
	if hdr.Get("Cache-Control") != "no-store" || hdr.Get("Content-Type") != "application/json" {
		t.Errorf("headers: %v", hdr)
	}
	id, _ := resp["client_id"].(string)
	secret, _ := resp["client_secret"].(string)
	rat, _ := resp["registration_access_token"].(string)
	if len(id) < 22 || len(secret) != 43 || len(rat) != 43 {
		t.Fatalf("credentials too short: id %q secret %d rat %d", id, len(secret), len(rat))
	}
	want := map[string]any{
		"client_id_issued_at":          float64(time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC).Unix()),
		"client_secret_expires_at":     float64(0),
		"registration_client_uri":      issuer + "/register/" + id,
		"token_endpoint_auth_method":   "client_secret_basic",
		"subject_type":                 "pairwise",
		"client_name":                  "地方銀行",
		"scope":                        "openid offline_access",
		"id_token_signed_response_alg": "PS256",
	}
	for k, v := range want {
		if resp[k] != v {
			t.Errorf("%s = %v; want %v", k, resp[k], v)
		}
	}
	if _, ok := resp["logo_uri"]; ok {
		t.Error("ignored metadata echoed back")
	}
	if rt, _ := json.Marshal(resp["response_types"]); string(rt) != `["code"]` {
		t.Errorf("response_types = %s", rt)
	}

	c, err := r.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Dynamic || !c.ConsentRequired || c.SectorIdentifier != "rp.example.jp" || c.IDTokenAlg() != "PS256" {
		t.Errorf("stored client: %+v", c.Metadata)
	}
	if strings.Contains(c.SecretHash, secret) || c.SecretHash == "" {
		t.Error("secret stored in clear or not at all")
	}
	raw, _ := r.b.Get(ctx, namespace, id)
	if strings.Contains(string(raw), rat) || strings.Contains(string(raw), secret) {
		t.Error("registration access token or secret stored in clear")
	}
	if _, err := r.AuthenticateSecret(ctx, id, secret); err != nil {
		t.Errorf("returned secret does not authenticate: %v", err)
	}
}

func TestRegisterVariants(t *testing.T) {
	_, h, _ := newHandler(t, RegistrationOptions{Open: true})
	for name, tc := range map[string]struct {
		body  string
		check func(t *testing.T, resp map[string]any)
	}{
		"private_key_jwt": {`{"redirect_uris":["https://rp.example.jp/cb"],"token_endpoint_auth_method":"private_key_jwt","jwks":` + ecJWKS + `}`,
			func(t *testing.T, resp map[string]any) {
				if _, ok := resp["client_secret"]; ok {
					t.Error("secret issued to a private_key_jwt client")
				}
				if _, ok := resp["client_secret_expires_at"]; ok {
					t.Error("client_secret_expires_at without a secret")
				}
				if resp["jwks"] == nil {
					t.Error("jwks not echoed")
				}
			}},
		"client_credentials only": {`{"grant_types":["client_credentials"]}`,
			func(t *testing.T, resp map[string]any) {
				if rt, _ := json.Marshal(resp["response_types"]); string(rt) != `[]` {
					t.Errorf("response_types = %s; want []", rt)
				}
			}},
		"public native loopback": {`{"redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"none","subject_type":"public"}`,
			func(t *testing.T, resp map[string]any) {
				if resp["subject_type"] != "public" || resp["client_secret"] != nil {
					t.Errorf("%v", resp)
				}
			}},
		"nulls are absent": {`{"redirect_uris":["https://rp.example.jp/cb"],"jwks_uri":null,"jwks":null,"scope":null}`,
			func(t *testing.T, resp map[string]any) {
				if resp["scope"] != "openid" {
					t.Errorf("default scope = %v", resp["scope"])
				}
			}},
	} {
		t.Run(name, func(t *testing.T) {
			code, resp, _ := do(t, h, "POST", "/register", "", tc.body)
			if code != http.StatusCreated {
				t.Fatalf("status %d: %v", code, resp)
			}
			tc.check(t, resp)
		})
	}
}

// TestRegisterMalformed: every refused registration answers 400 with the
// RFC 7591 error code, names what is wrong, and writes nothing.
func TestRegisterMalformed(t *testing.T) {
	const ok = `"redirect_uris":["https://rp.example.jp/cb"]`
	for _, tc := range []struct {
		name, body, code, desc string
	}{
		{"not json", `{`, "invalid_client_metadata", "malformed"},
		{"array", `[]`, "invalid_client_metadata", "JSON object"},
		{"null", `null`, "invalid_client_metadata", "JSON object"},
		{"trailing data", `{` + ok + `} {}`, "invalid_client_metadata", "after the JSON object"},
		{"wrong type", `{"redirect_uris":"https://rp.example.jp/cb"}`, "invalid_client_metadata", "redirect_uris"},
		{"no redirect_uris", `{}`, "invalid_redirect_uri", "redirect_uris: required"},
		{"empty redirect_uris", `{"redirect_uris":[]}`, "invalid_redirect_uri", "required"},
		{"http redirect", `{"redirect_uris":["http://rp.example.jp/cb"]}`, "invalid_redirect_uri", "redirect_uris[0]: must use https"},
		{"fragment", `{"redirect_uris":["https://rp.example.jp/cb#f"]}`, "invalid_redirect_uri", "fragment"},
		{"relative", `{"redirect_uris":["/cb"]}`, "invalid_redirect_uri", "absolute"},
		{"custom scheme", `{"redirect_uris":["com.rp.app:/cb"]}`, "invalid_redirect_uri", "https"},
		{"javascript", `{"redirect_uris":["javascript:alert(1)"]}`, "invalid_redirect_uri", "https"},
		{"duplicate redirect", `{"redirect_uris":["https://rp.example.jp/cb","https://rp.example.jp/cb"]}`, "invalid_redirect_uri", "duplicate"},
		{"post logout http", `{` + ok + `,"post_logout_redirect_uris":["http://rp.example.jp/"]}`, "invalid_redirect_uri", "post_logout_redirect_uris[0]"},
		{"pairwise two hosts", `{"redirect_uris":["https://a.example.jp/cb","https://b.example.jp/cb"]}`, "invalid_redirect_uri", "one host"},
		{"auth method unknown", `{` + ok + `,"token_endpoint_auth_method":"tls_client_auth"}`, "invalid_client_metadata", "token_endpoint_auth_method"},
		{"pkjwt without jwks", `{` + ok + `,"token_endpoint_auth_method":"private_key_jwt"}`, "invalid_client_metadata", "needs the client's public keys"},
		{"jwks_uri", `{` + ok + `,"token_endpoint_auth_method":"private_key_jwt","jwks_uri":"https://rp.example.jp/jwks"}`, "invalid_client_metadata", "jwks_uri is not supported"},
		{"jwks private", `{` + ok + `,"jwks":{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}}`, "invalid_client_metadata", "jwks: key 0: must be a public key"},
		{"jwks garbage", `{` + ok + `,"jwks":{"keys":"x"}}`, "invalid_client_metadata", "jwks"},
		{"sector uri", `{` + ok + `,"sector_identifier_uri":"https://rp.example.jp/s.json"}`, "invalid_client_metadata", "sector_identifier_uri"},
		{"software statement", `{` + ok + `,"software_statement":"eyJ..."}`, "invalid_client_metadata", "software_statement"},
		{"encrypted id token", `{` + ok + `,"id_token_encrypted_response_alg":"RSA-OAEP"}`, "invalid_client_metadata", "id_token_encrypted_response_alg"},
		{"implicit grant", `{` + ok + `,"grant_types":["implicit"]}`, "invalid_client_metadata", "grant_types[0]"},
		{"empty grants", `{` + ok + `,"grant_types":[]}`, "invalid_client_metadata", "grant_types must not be empty"},
		{"duplicate grant", `{` + ok + `,"grant_types":["authorization_code","authorization_code"]}`, "invalid_client_metadata", "duplicate"},
		{"refresh only", `{` + ok + `,"grant_types":["refresh_token"]}`, "invalid_client_metadata", "refresh_token needs authorization_code"},
		{"public client_credentials", `{"grant_types":["client_credentials"],"token_endpoint_auth_method":"none"}`, "invalid_client_metadata", "client_credentials"},
		{"id_token response", `{` + ok + `,"response_types":["code id_token"]}`, "invalid_client_metadata", `only "code"`},
		{"token response", `{` + ok + `,"response_types":["code","token"]}`, "invalid_client_metadata", `only "code"`},
		{"code without grant", `{"grant_types":["client_credentials"],"response_types":["code"]}`, "invalid_client_metadata", "disagree"},
		{"grant without code", `{` + ok + `,"response_types":[]}`, "invalid_client_metadata", "disagree"},
		{"subject type", `{` + ok + `,"subject_type":"ppid"}`, "invalid_client_metadata", "subject_type"},
		{"alg none", `{` + ok + `,"id_token_signed_response_alg":"none"}`, "invalid_client_metadata", "id_token_signed_response_alg"},
		{"alg HS256", `{` + ok + `,"id_token_signed_response_alg":"HS256"}`, "invalid_client_metadata", "id_token_signed_response_alg"},
		{"scope not offered", `{` + ok + `,"scope":"openid admin"}`, "invalid_client_metadata", `"admin" is not available`},
		{"scope double space", `{` + ok + `,"scope":"openid  offline_access"}`, "invalid_client_metadata", "single spaces"},
		{"long name", `{` + ok + `,"client_name":"` + strings.Repeat("a", 201) + `"}`, "invalid_client_metadata", "client_name"},
		{"control char name", `{` + ok + `,"client_name":"a\u0007b"}`, "invalid_client_metadata", "client_name"},
		{"too many redirects", `{"redirect_uris":[` + strings.TrimSuffix(strings.Repeat(`"https://rp.example.jp/cb",`, 21), ",") + `]}`, "invalid_redirect_uri", "at most 20"},
		{"huge body", `{"client_name":"` + strings.Repeat("a", MaxRegistrationBody) + `"}`, "invalid_client_metadata", "larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, h, b := newHandler(t, RegistrationOptions{Open: true})
			code, resp, hdr := do(t, h, "POST", "/register", "", tc.body)
			if code != http.StatusBadRequest {
				t.Fatalf("status %d; want 400: %v", code, resp)
			}
			if resp["error"] != tc.code {
				t.Errorf("error = %v; want %s", resp["error"], tc.code)
			}
			if d, _ := resp["error_description"].(string); !strings.Contains(d, tc.desc) {
				t.Errorf("error_description %q does not mention %q", d, tc.desc)
			}
			if hdr.Get("Cache-Control") != "no-store" {
				t.Error("error without Cache-Control: no-store")
			}
			if n := b.n.Load(); n != 0 {
				t.Errorf("refused registration wrote %d records", n)
			}
		})
	}
}

func TestRegisterAuth(t *testing.T) {
	body := `{"redirect_uris":["https://rp.example.jp/cb"]}`
	for _, tc := range []struct {
		name   string
		opts   RegistrationOptions
		header string
		status int
	}{
		{"no token", RegistrationOptions{InitialAccessToken: "iat"}, "", 401},
		{"wrong token", RegistrationOptions{InitialAccessToken: "iat"}, "Bearer iat2", 401},
		{"token prefix", RegistrationOptions{InitialAccessToken: "iat"}, "Bearer ia", 401},
		{"basic scheme", RegistrationOptions{InitialAccessToken: "iat"}, "Basic iat", 401},
		{"closed", RegistrationOptions{}, "Bearer anything", 401},
		{"closed, empty bearer", RegistrationOptions{}, "Bearer ", 401},
		{"right token", RegistrationOptions{InitialAccessToken: "iat"}, "Bearer iat", 201},
		{"scheme case", RegistrationOptions{InitialAccessToken: "iat"}, "bearer iat", 201},
		{"open", RegistrationOptions{Open: true}, "", 201},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, h, b := newHandler(t, tc.opts)
			req := httptest.NewRequest("POST", "/register", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d; want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.status == 401 {
				if !strings.Contains(rec.Header().Get("WWW-Authenticate"), "invalid_token") || !strings.Contains(rec.Body.String(), "invalid_token") {
					t.Errorf("401 without invalid_token: %v %s", rec.Header(), rec.Body)
				}
				if b.n.Load() != 0 {
					t.Error("unauthorized request wrote")
				}
			}
		})
	}
	_, h, _ := newHandler(t, RegistrationOptions{Open: true})
	req := httptest.NewRequest("POST", "/register", strings.NewReader(body))
	req.Header.Set("Content-Type", "text/plain")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "Content-Type") {
		t.Errorf("text/plain body: %d %s", rec.Code, rec.Body)
	}
	if code, _, hdr := do(t, h, "GET", "/register", "", nil); code != 405 || hdr.Get("Allow") != "POST" {
		t.Errorf("GET /register: %d %v", code, hdr)
	}
}

// TestManagement covers RFC 7592: read, update and delete with the
// registration access token.
func TestManagement(t *testing.T) {
	ctx := context.Background()
	r, h, b := newHandler(t, RegistrationOptions{Open: true})
	_, reg, _ := do(t, h, "POST", "/register", "", map[string]any{"redirect_uris": []string{"https://rp.example.jp/cb"}, "client_name": "RP"})
	id, secret, rat := reg["client_id"].(string), reg["client_secret"].(string), reg["registration_access_token"].(string)
	path := "/register/" + id

	// Read.
	code, got, _ := do(t, h, "GET", path, rat, nil)
	if code != 200 || got["client_id"] != id || got["client_name"] != "RP" || got["registration_access_token"] != rat {
		t.Fatalf("GET: %d %v", code, got)
	}
	if _, ok := got["client_secret"]; ok {
		t.Error("GET returned a client secret (only its hash is stored)")
	}

	// Every way of getting the token or the client wrong is one 401.
	before := b.n.Load()
	for name, req := range map[string][2]string{
		"no token":         {path, ""},
		"wrong token":      {path, rat[:42] + "x"},
		"client secret":    {path, secret},
		"unknown client":   {"/register/nobody", rat},
		"static client":    {"/register/bank-web", rat},
		"other's token":    {"/register/bank-api", rat},
		"invalid id chars": {"/register/a%20b", rat},
	} {
		for _, m := range []string{"GET", "PUT", "DELETE"} {
			var body any
			if m == "PUT" {
				body = map[string]any{"client_id": id, "redirect_uris": []string{"https://rp.example.jp/x"}}
			}
			if code, resp, _ := do(t, h, m, req[0], req[1], body); code != 401 || resp["error"] != "invalid_token" {
				t.Errorf("%s %s: %d %v; want 401 invalid_token", m, name, code, resp)
			}
		}
	}
	if b.n.Load() != before {
		t.Fatal("unauthorized management requests wrote")
	}

	// Refused updates change nothing.
	for name, body := range map[string]map[string]any{
		"no client_id":    {"redirect_uris": []string{"https://rp.example.jp/new"}},
		"other client_id": {"client_id": "bank-web", "redirect_uris": []string{"https://rp.example.jp/new"}},
		"wrong secret":    {"client_id": id, "client_secret": "nope", "redirect_uris": []string{"https://rp.example.jp/new"}},
		"bad redirect":    {"client_id": id, "redirect_uris": []string{"http://rp.example.jp/new"}},
		"jwks_uri":        {"client_id": id, "redirect_uris": []string{"https://rp.example.jp/new"}, "jwks_uri": "https://x"},
		// The registration access token alone cannot make a client that
		// authenticates into a public one.
		"to public": {"client_id": id, "redirect_uris": []string{"https://rp.example.jp/cb"}, "token_endpoint_auth_method": "none"},
	} {
		if code, resp, _ := do(t, h, "PUT", path, rat, body); code != 400 {
			t.Errorf("PUT %s: %d %v; want 400", name, code, resp)
		}
	}
	if b.n.Load() != before {
		t.Fatal("refused updates wrote")
	}
	if c, _ := r.Get(ctx, id); c.RedirectURIs()[0] != "https://rp.example.jp/cb" {
		t.Fatal("refused update changed the client")
	}

	// A good update replaces the metadata and keeps id, secret and token.
	code, got, _ = do(t, h, "PUT", path, rat, map[string]any{
		"client_id": id, "client_secret": secret,
		"redirect_uris": []string{"https://rp.example.jp/new"}, "client_name": "RP 2",
		"registration_access_token": "ignored", "client_id_issued_at": 1,
	})
	if code != 200 || got["client_name"] != "RP 2" || got["registration_access_token"] != rat {
		t.Fatalf("PUT: %d %v", code, got)
	}
	c, _ := r.Get(ctx, id)
	if c.RedirectURIs()[0] != "https://rp.example.jp/new" || c.Name != "RP 2" || !c.Dynamic {
		t.Errorf("after PUT: %+v", c.Metadata)
	}
	if _, err := r.AuthenticateSecret(ctx, id, secret); err != nil {
		t.Error("secret changed by an update that did not ask for it")
	}

	// Switching to private_key_jwt drops the secret.
	code, _, _ = do(t, h, "PUT", path, rat, map[string]any{
		"client_id": id, "redirect_uris": []string{"https://rp.example.jp/new"},
		"token_endpoint_auth_method": "private_key_jwt", "jwks": json.RawMessage(ecJWKS),
	})
	if code != 200 {
		t.Fatalf("PUT private_key_jwt: %d", code)
	}
	if _, err := r.AuthenticateSecret(ctx, id, secret); err != ErrAuthFailed {
		t.Error("old secret still works after switching to private_key_jwt")
	}
	if k, err := r.PublicKey(ctx, id, "rp-2026-01"); err != nil || k == nil {
		t.Errorf("PublicKey after update: %v", err)
	}

	// Delete.
	if code, _, hdr := do(t, h, "DELETE", path, rat, nil); code != 204 || hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("DELETE: %d", code)
	}
	if _, err := r.Get(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after DELETE: %v", err)
	}
	if code, _, _ := do(t, h, "GET", path, rat, nil); code != 401 {
		t.Errorf("GET after DELETE: %d; want 401", code)
	}
}
