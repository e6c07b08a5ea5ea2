package clients

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/inkan-id/inkan/provider/config"
)

const configYAML = `
dev: true
clients:
  - id: bank-web
    name: Example Bank
    secret_hash: $2a$10$YGJoZiK9w7E7Dc90JxEcneXIeM8qEbNUqglluixQwXxFRbmcWzVeK
    redirect_uris: [https://bank.example.jp/cb]
    grant_types: [authorization_code, refresh_token]
  - id: dev-app
    secret: dev-secret
    redirect_uris: [http://127.0.0.1:9000/cb, http://127.0.0.1:9000/cb2]
  - id: bank-api
    token_endpoint_auth_method: private_key_jwt
    jwks: ` + ecJWKS + `
    redirect_uris: [https://api.bank.example.jp/cb]
    consent_required: false
    subject_type: public
  - id: spa
    token_endpoint_auth_method: none
    redirect_uris: [https://spa.example.jp/cb]
`

func staticClients(t testing.TB) []*Client {
	t.Helper()
	cfg, err := config.Parse([]byte(configYAML))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	cs, err := FromConfig(cfg.Clients)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestFromConfig(t *testing.T) {
	cs := staticClients(t)
	web, dev, api, spa := cs[0], cs[1], cs[2], cs[3]
	if web.SectorIdentifier != "bank.example.jp" || !web.ConsentRequired || len(web.ResponseTypes()) != 1 {
		t.Errorf("web: %+v", web.Metadata)
	}
	if strings.Join(web.Scopes, " ") != "openid offline_access" {
		t.Errorf("default scopes with refresh_token = %q", web.Scopes)
	}
	if dev.SecretHash == "" || strings.Contains(dev.SecretHash, "dev-secret") {
		t.Errorf("plain secret not hashed: %q", dev.SecretHash)
	}
	if api.ConsentRequired || api.JWKS == nil || api.Pairwise() {
		t.Errorf("api: %+v", api.Metadata)
	}
	if !spa.IsPublic() || spa.SecretHash != "" {
		t.Errorf("spa: %+v", spa.Metadata)
	}

	for name, e := range map[string]config.Client{
		"bad id":           {ID: "a b", Secret: "x"},
		"secret on none":   {ID: "a", TokenEndpointAuthMethod: "none", Secret: "x"},
		"no secret":        {ID: "a"},
		"pkjwt no jwks":    {ID: "a", TokenEndpointAuthMethod: "private_key_jwt"},
		"bad hash":         {ID: "a", SecretHash: "plain"},
		"pairwise 2 hosts": {ID: "a", Secret: "x", RedirectURIs: []string{"https://a.jp/cb", "https://b.jp/cb"}},
	} {
		if _, err := FromConfig([]config.Client{e}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := FromConfig([]config.Client{{ID: "a", Secret: "x"}, {ID: "a", Secret: "y"}}); err == nil {
		t.Error("duplicate ids accepted")
	}
}

func TestRegistryGet(t *testing.T) {
	ctx := context.Background()
	r := New(openStore(t), staticClients(t))
	c, err := r.Get(ctx, "bank-web")
	if err != nil || c.Name != "Example Bank" {
		t.Fatalf("Get static = %v, %v", c, err)
	}
	for _, id := range []string{"nope", "", "../etc", strings.Repeat("a", 600)} {
		_, err := r.Get(ctx, id)
		var nf *NotFoundError
		if !errors.Is(err, ErrNotFound) || !errors.As(err, &nf) {
			t.Errorf("Get(%q) = %v; want ErrNotFound", id, err)
		}
		var zitadelNF op.StorageNotFoundError
		if !errors.As(err, &zitadelNF) {
			t.Errorf("Get(%q) error is not an op.StorageNotFoundError", id)
		}
	}
}

func TestAuthenticateSecret(t *testing.T) {
	ctx := context.Background()
	b := openStore(t)
	r := New(b, staticClients(t))
	h := r.RegistrationHandler(RegistrationOptions{Issuer: issuer, Open: true})
	code, reg, _ := do(t, h, "POST", "/register", "", map[string]any{"redirect_uris": []string{"https://rp.example.jp/cb"}})
	if code != 201 {
		t.Fatalf("register: %d %v", code, reg)
	}
	dynID, dynSecret := reg["client_id"].(string), reg["client_secret"].(string)

	ok := []struct{ id, secret string }{
		{"bank-web", "correct horse battery staple"}, // bcrypt
		{"dev-app", "dev-secret"},                    // hashed from plain
		{dynID, dynSecret},                           // sha256
	}
	for _, tc := range ok {
		c, err := r.AuthenticateSecret(ctx, tc.id, tc.secret)
		if err != nil || c.ID != tc.id {
			t.Errorf("AuthenticateSecret(%s, right) = %v", tc.id, err)
		}
	}
	// A secret one character off: the last one changed (never to itself,
	// which a fixed replacement would be one time in 64).
	last := "A"
	if strings.HasSuffix(dynSecret, last) {
		last = "B"
	}
	bad := []struct{ name, id, secret string }{
		{"wrong bcrypt secret", "bank-web", "correct horse battery stapler"},
		{"wrong sha256 secret", dynID, dynSecret[:len(dynSecret)-1] + last},
		{"empty secret", dynID, ""},
		{"unknown client", "nobody", dynSecret},
		{"private_key_jwt client", "bank-api", ""},
		{"public client", "spa", ""},
		{"secret of another client", "dev-app", dynSecret},
	}
	for _, tc := range bad {
		_, err := r.AuthenticateSecret(ctx, tc.id, tc.secret)
		if err != ErrAuthFailed {
			t.Errorf("%s: err = %v; want exactly ErrAuthFailed", tc.name, err)
		}
	}
}

func TestPublicKey(t *testing.T) {
	ctx := context.Background()
	r := New(openStore(t), staticClients(t))
	k, err := r.PublicKey(ctx, "bank-api", "rp-2026-01")
	if err != nil || k.KeyID != "rp-2026-01" || !k.IsPublic() {
		t.Fatalf("PublicKey = %+v, %v", k, err)
	}
	if k, err := r.PublicKey(ctx, "bank-api", ""); err != nil || k.KeyID != "rp-2026-01" {
		t.Errorf("empty kid with a single key: %v", err)
	}
	if _, err := r.PublicKey(ctx, "bank-api", "other"); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("unknown kid: %v", err)
	}
	if _, err := r.PublicKey(ctx, "bank-web", "rp-2026-01"); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("client without jwks: %v", err)
	}
	if _, err := r.PublicKey(ctx, "nobody", "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown client: %v", err)
	}
}
