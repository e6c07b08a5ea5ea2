package server

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// assertion builds a client assertion for the "jwt" client; edit changes
// its claims before signing.
func assertion(t *testing.T, e *env, key any, edit func(map[string]any)) string {
	t.Helper()
	now := e.clock.Now()
	claims := map[string]any{
		"iss": "jwt", "sub": "jwt", "aud": e.issuer, "jti": newID(),
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(),
	}
	if edit != nil {
		edit(claims)
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(sig).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func ccForm(a string) url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "scope": {"api.read"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {a}}
}

func TestClientAuthentication(t *testing.T) {
	e := newEnv(t)
	otherKey := newTestECKey(t)
	cases := []struct {
		name       string
		form       url.Values
		user, pass string
		want       int
	}{
		{"basic ok", url.Values{"grant_type": {"client_credentials"}, "scope": {"api.read"}}, "svc", "svc-secret", 200},
		{"basic wrong secret", url.Values{"grant_type": {"client_credentials"}}, "svc", "nope", 401},
		{"basic unknown client", url.Values{"grant_type": {"client_credentials"}}, "ghost", "x", 401},
		{"basic client sends post", url.Values{"grant_type": {"client_credentials"}, "client_id": {"svc"}, "client_secret": {"svc-secret"}}, "", "", 401},
		{"post wrong secret", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "client_id": {"post"}, "client_secret": {"nope"}}, "", "", 401},
		{"post client sends basic", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}, "post", "post-secret", 401},
		{"post ok (bad grant)", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "client_id": {"post"}, "client_secret": {"post-secret"}}, "", "", 400},
		{"jwt ok", ccForm(assertion(t, e, jwtClientKey, nil)), "", "", 200},
		{"jwt token endpoint aud", ccForm(assertion(t, e, jwtClientKey, func(c map[string]any) { c["aud"] = e.issuer + pathToken })), "", "", 200},
		{"jwt wrong key", ccForm(assertion(t, e, otherKey, nil)), "", "", 401},
		{"jwt wrong aud", ccForm(assertion(t, e, jwtClientKey, func(c map[string]any) { c["aud"] = "https://other.example" })), "", "", 401},
		{"jwt aud array", ccForm(assertion(t, e, jwtClientKey, func(c map[string]any) { c["aud"] = []string{e.issuer} })), "", "", 401},
		{"jwt expired", ccForm(assertion(t, e, jwtClientKey, func(c map[string]any) { c["exp"] = e.clock.Now().Add(-time.Second).Unix() })), "", "", 401},
		{"jwt no exp", ccForm(assertion(t, e, jwtClientKey, func(c map[string]any) { delete(c, "exp") })), "", "", 401},
		{"jwt iat far ahead", ccForm(assertion(t, e, jwtClientKey, func(c map[string]any) { c["iat"] = e.clock.Now().Add(2 * time.Minute).Unix() })), "", "", 401},
		{"jwt iat 8s ahead", ccForm(assertion(t, e, jwtClientKey, func(c map[string]any) { c["iat"] = e.clock.Now().Add(8 * time.Second).Unix() })), "", "", 200},
		{"jwt sub differs", ccForm(assertion(t, e, jwtClientKey, func(c map[string]any) { c["sub"] = "other" })), "", "", 401},
		{"jwt no jti", ccForm(assertion(t, e, jwtClientKey, func(c map[string]any) { delete(c, "jti") })), "", "", 401},
		{"jwt garbage", ccForm("not.a.jwt"), "", "", 401},
		{"two methods", func() url.Values {
			f := ccForm(assertion(t, e, jwtClientKey, nil))
			f.Set("client_secret", "x")
			f.Set("client_id", "jwt")
			return f
		}(), "", "", 400},
		{"secret for jwt client", url.Values{"grant_type": {"client_credentials"}}, "jwt", "whatever", 401},
		{"public client cc", url.Values{"grant_type": {"client_credentials"}, "client_id": {"spa"}}, "", "", 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, body, h := e.postForm(pathToken, c.form, c.user, c.pass)
			if st != c.want {
				t.Fatalf("status %d, want %d (%v)", st, c.want, body)
			}
			if st == 401 && (body["error"] != "invalid_client" || h.Get("WWW-Authenticate") == "") {
				t.Errorf("401 body %v, WWW-Authenticate %q", body, h.Get("WWW-Authenticate"))
			}
		})
	}

	t.Run("jwt replay", func(t *testing.T) {
		a := assertion(t, e, jwtClientKey, nil)
		if st, body, _ := e.postForm(pathToken, ccForm(a), "", ""); st != 200 {
			t.Fatalf("first: %d %v", st, body)
		}
		if st, _, _ := e.postForm(pathToken, ccForm(a), "", ""); st != 401 {
			t.Fatalf("replay: %d", st)
		}
	})
	t.Run("client credentials token", func(t *testing.T) {
		st, body, _ := e.postForm(pathToken, ccForm(assertion(t, e, jwtClientKey, nil)), "", "")
		if st != 200 || body["id_token"] != nil || body["refresh_token"] != nil {
			t.Fatalf("%d %v", st, body)
		}
		_, claims := parseJWT(t, body["access_token"].(string))
		if claims["sub"] != "jwt" || claims["client_id"] != "jwt" {
			t.Errorf("claims %v", claims)
		}
		// Introspection with private_key_jwt.
		f := url.Values{"token": {body["access_token"].(string)},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
			"client_assertion":      {assertion(t, e, jwtClientKey, func(c map[string]any) { c["aud"] = e.issuer + pathIntrospect })}}
		st, got, _ := e.postForm(pathIntrospect, f, "", "")
		if st != 200 || got["active"] != true {
			t.Fatalf("introspect: %d %v", st, got)
		}
		// Revocation with private_key_jwt, then introspection says inactive.
		f.Set("client_assertion", assertion(t, e, jwtClientKey, nil))
		if st, got, _ := e.postForm(pathRevoke, f, "", ""); st != 200 {
			t.Fatalf("revoke: %d %v", st, got)
		}
		f.Set("client_assertion", assertion(t, e, jwtClientKey, nil))
		if _, got, _ := e.postForm(pathIntrospect, f, "", ""); got["active"] != false {
			t.Fatalf("after revoke: %v", got)
		}
	})
	t.Run("disallowed scope", func(t *testing.T) {
		st, body, _ := e.postForm(pathToken, url.Values{"grant_type": {"client_credentials"}, "scope": {"openid"}}, "svc", "svc-secret")
		if st != 400 || body["error"] != "invalid_scope" {
			t.Fatalf("%d %v", st, body)
		}
	})
	t.Run("introspect needs auth", func(t *testing.T) {
		st, _, _ := e.postForm(pathIntrospect, url.Values{"token": {"x"}, "client_id": {"spa"}}, "", "")
		if st != http.StatusUnauthorized && st != http.StatusBadRequest {
			t.Fatalf("public introspection: %d", st)
		}
	})
}
