package clients

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/inkan-id/inkan/provider/clients/clientmeta"
)

// FuzzRegister posts arbitrary bodies to /register. Whatever the body, the
// answer is 201 or a 400 with an RFC 7591 error; a 400 writes nothing; a 201
// stores exactly one client that obeys every registration rule and whose
// returned secret authenticates it.
func FuzzRegister(f *testing.F) {
	f.Add([]byte(`{"redirect_uris":["https://rp.example.jp/cb"]}`))
	f.Add([]byte(`{"redirect_uris":["https://rp.example.jp/cb"],"token_endpoint_auth_method":"private_key_jwt","jwks":` + ecJWKS + `}`))
	f.Add([]byte(`{"grant_types":["client_credentials"],"scope":"openid"}`))

	ctx := context.Background()
	b := openStore(f)
	r := New(b, nil)
	h := r.RegistrationHandler(RegistrationOptions{Issuer: issuer, Open: true})

	f.Fuzz(func(t *testing.T, body []byte) {
		before := b.n.Load()
		req := httptest.NewRequest("POST", "/register", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Fatal("response without Cache-Control: no-store")
		}
		var resp map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatalf("status %d, body not JSON: %q", rec.Code, rec.Body)
		}
		wrote := b.n.Load() - before
		switch rec.Code {
		case http.StatusBadRequest:
			if e := resp["error"]; e != "invalid_client_metadata" && e != "invalid_redirect_uri" {
				t.Fatalf("400 with error %v", e)
			}
			if wrote != 0 {
				t.Fatalf("refused registration wrote %d records", wrote)
			}
			return
		case http.StatusCreated:
		default:
			t.Fatalf("status %d: %v", rec.Code, resp)
		}
		if wrote != 1 {
			t.Fatalf("registration wrote %d records; want 1", wrote)
		}
		id, _ := resp["client_id"].(string)
		c, err := r.Get(ctx, id)
		if err != nil {
			t.Fatalf("registered client %q not found: %v", id, err)
		}
		checkInvariants(t, c)
		if s, ok := resp["client_secret"].(string); ok {
			if _, err := r.AuthenticateSecret(ctx, id, s); err != nil {
				t.Fatalf("returned secret does not authenticate: %v", err)
			}
		} else if clientmeta.UsesSecret(string(c.Metadata.AuthMethod)) {
			t.Fatal("secret method without a secret")
		}
	})
}

func checkInvariants(t *testing.T, c *Client) {
	t.Helper()
	if clientmeta.CheckID(c.ID) != nil || !c.Dynamic || !c.ConsentRequired {
		t.Fatalf("bad identity: %+v", c.Metadata)
	}
	for _, u := range slices.Concat(c.RedirectURIs(), c.PostLogoutRedirectURIs()) {
		if err := clientmeta.CheckRedirectURI(u, false); err != nil {
			t.Fatalf("stored redirect URI %q: %v", u, err)
		}
	}
	if !slices.Contains(clientmeta.AuthMethods, string(c.Metadata.AuthMethod)) {
		t.Fatalf("auth method %q", c.Metadata.AuthMethod)
	}
	if c.Metadata.AuthMethod == oidc.AuthMethodPrivateKeyJWT && c.JWKS == nil {
		t.Fatal("private_key_jwt without keys")
	}
	code := c.HasGrant(oidc.GrantTypeCode)
	if code != slices.Equal(c.ResponseTypes(), []oidc.ResponseType{oidc.ResponseTypeCode}) {
		t.Fatalf("grants %v and response types %v disagree", c.GrantTypes(), c.ResponseTypes())
	}
	if code && len(c.RedirectURIs()) == 0 {
		t.Fatal("authorization_code without redirect URIs")
	}
	if c.Pairwise() && len(c.RedirectURIs()) > 0 {
		if host, ok := clientmeta.SharedHost(c.RedirectURIs()); !ok || host != c.SectorIdentifier {
			t.Fatalf("pairwise sector %q for %v", c.SectorIdentifier, c.RedirectURIs())
		}
	}
	for _, k := range jwksKeys(c) {
		if !k.IsPublic() {
			t.Fatal("private key stored")
		}
	}
}

func jwksKeys(c *Client) []interface{ IsPublic() bool } {
	if c.JWKS == nil {
		return nil
	}
	out := make([]interface{ IsPublic() bool }, len(c.JWKS.Keys))
	for i := range c.JWKS.Keys {
		out[i] = &c.JWKS.Keys[i]
	}
	return out
}
