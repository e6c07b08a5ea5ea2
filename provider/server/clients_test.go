package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/inkan-id/inkan/provider/clients"
	"github.com/inkan-id/inkan/provider/config"
	"github.com/inkan-id/inkan/provider/store"
)

// jwtClientKey is the private key of the "jwt" client (private_key_jwt).
var jwtClientKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)

const rpRedirect = "https://rp.example/cb"

// loopbackRedirect is a native app's redirect URI (RFC 8252 §7.3).
const loopbackRedirect = "http://127.0.0.1:8765/cb"

// testRegistry is the real client registry with the test clients, as an
// operator would configure them.
func testRegistry(t testing.TB, b store.Backend) *clients.Registry {
	t.Helper()
	yes, no := true, false
	jwks, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &jwtClientKey.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	codeRefresh := []string{"authorization_code", "refresh_token"}
	web := func(c config.Client) config.Client {
		if c.RedirectURIs == nil {
			c.RedirectURIs = []string{rpRedirect}
		}
		c.PostLogoutRedirectURIs = []string{"https://rp.example/bye"}
		if c.GrantTypes == nil {
			c.GrantTypes = codeRefresh
		}
		if c.ConsentRequired == nil {
			c.ConsentRequired = &no
		}
		return c
	}
	cfgs := []config.Client{
		web(config.Client{ID: "web", Name: "Web Bank", Secret: "web-secret",
			Scopes: []string{"openid", "offline_access", scopeVerifiedClaims}}),
		web(config.Client{ID: "web2", Secret: "web2-secret"}),
		// Refresh tokens, but not allowed offline_access.
		web(config.Client{ID: "online", Secret: "online-secret", Scopes: []string{"openid"}}),
		web(config.Client{ID: "post", Secret: "post-secret", TokenEndpointAuthMethod: "client_secret_post"}),
		web(config.Client{ID: "jwt", TokenEndpointAuthMethod: "private_key_jwt", JWKS: config.RawJSON(jwks),
			GrantTypes: []string{"authorization_code", "refresh_token", "client_credentials"},
			Scopes:     []string{"openid", "offline_access", "api.read"}}),
		web(config.Client{ID: "spa", TokenEndpointAuthMethod: "none"}),
		web(config.Client{ID: "rot", Secret: "rot-secret", RefreshRotation: &yes}),
		{ID: "svc", Secret: "svc-secret", GrantTypes: []string{"client_credentials"}, Scopes: []string{"api.read"}},
		web(config.Client{ID: "opaque", Secret: "opaque-secret", AccessTokenType: "opaque", SubjectType: "public",
			IDTokenSignedResponseAlg: "RS256"}),
		web(config.Client{ID: "consent", Name: "Consent Bank", Secret: "consent-secret", ConsentRequired: &yes}),
		// Two native apps with the same loopback redirect URI.
		web(config.Client{ID: "app1", Secret: "app1-secret", RedirectURIs: []string{loopbackRedirect}}),
		web(config.Client{ID: "app2", Secret: "app2-secret", RedirectURIs: []string{loopbackRedirect}}),
	}
	cs, err := clients.FromConfig(cfgs)
	if err != nil {
		t.Fatal(err)
	}
	return clients.New(b, cs)
}
