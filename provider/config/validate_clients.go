package config

import (
	"fmt"
	"io"
	"os"
	"slices"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/inkan-id/inkan/provider/clients/clientmeta"
)

func (c *Config) validateClients(l *errs) {
	seen := make(map[string]int, len(c.Clients))
	for i := range c.Clients {
		path := idx("clients", i)
		cl := &c.Clients[i]
		if j, dup := seen[cl.ID]; dup && cl.ID != "" {
			l.add(path+".id", "duplicate of clients[%d].id", j)
		} else {
			seen[cl.ID] = i
		}
		validateClient(l, path, cl, c.Dev)
	}
}

func validateClient(l *errs, path string, c *Client, dev bool) {
	if err := clientmeta.CheckID(c.ID); err != nil {
		l.add(path+".id", "%v", err)
	}
	if len(c.Name) > 200 {
		l.add(path+".name", "longer than 200 characters")
	}
	validateAuth(l, path, c, dev)
	validateGrants(l, path, c)

	needRedirect := slices.Contains(c.GrantTypes, clientmeta.GrantAuthorizationCode)
	if needRedirect && len(c.RedirectURIs) == 0 {
		l.add(path+".redirect_uris", "at least one is required for authorization_code")
	}
	urisOK := checkURIs(l, path+".redirect_uris", c.RedirectURIs, dev)
	checkURIs(l, path+".post_logout_redirect_uris", c.PostLogoutRedirectURIs, dev)

	for i, s := range c.Scopes {
		if err := clientmeta.CheckScope(s); err != nil {
			l.add(idx(path+".scopes", i), "%v", err)
		}
	}
	switch c.SubjectType {
	case clientmeta.SubjectPairwise:
		if c.SectorIdentifier != "" {
			if err := clientmeta.CheckHost(c.SectorIdentifier); err != nil {
				l.add(path+".sector_identifier", "%v", err)
			}
		} else if len(c.RedirectURIs) > 0 && urisOK {
			if _, ok := clientmeta.SharedHost(c.RedirectURIs); !ok {
				l.add(path+".redirect_uris", "pairwise subjects need all redirect URIs on one host; set sector_identifier to span several")
			}
		}
	case clientmeta.SubjectPublic:
		if c.SectorIdentifier != "" {
			l.add(path+".sector_identifier", "only for subject_type pairwise")
		}
	default:
		l.add(path+".subject_type", "must be %q or %q", clientmeta.SubjectPairwise, clientmeta.SubjectPublic)
	}
	switch c.AccessTokenType {
	case clientmeta.AccessTokenJWT, clientmeta.AccessTokenOpaque:
	default:
		l.add(path+".access_token_type", "must be %q or %q", clientmeta.AccessTokenJWT, clientmeta.AccessTokenOpaque)
	}
	if a := c.IDTokenSignedResponseAlg; a != "" && !slices.Contains(clientmeta.IDTokenAlgs, a) {
		l.add(path+".id_token_signed_response_alg", "must be empty (the provider's default), ES256, PS256 or RS256")
	}
}

func validateAuth(l *errs, path string, c *Client, dev bool) {
	m := c.TokenEndpointAuthMethod
	if !slices.Contains(clientmeta.AuthMethods, m) {
		l.add(path+".token_endpoint_auth_method", "must be one of client_secret_basic, client_secret_post, private_key_jwt, none")
		return
	}
	switch {
	case clientmeta.UsesSecret(m):
		switch {
		case c.Secret != "" && c.SecretHash != "":
			l.add(path+".secret", "give secret or secret_hash, not both")
		case c.Secret != "" && !dev:
			l.add(path+".secret", "a plain secret is for dev only; give secret_hash (bcrypt, cost 10 or more)")
		case c.Secret == "" && c.SecretHash == "":
			l.add(path+".secret_hash", "required for %s", m)
		case c.SecretHash != "":
			if err := clientmeta.CheckSecretHash(c.SecretHash); err != nil {
				l.add(path+".secret_hash", "%v", err)
			}
		}
	default:
		if c.Secret != "" {
			l.add(path+".secret", "not used with %s", m)
		}
		if c.SecretHash != "" {
			l.add(path+".secret_hash", "not used with %s", m)
		}
	}
	switch {
	case len(c.JWKS) > 0 && c.JWKSFile != "":
		l.add(path+".jwks", "give jwks or jwks_file, not both")
	case len(c.JWKS) > 0:
		if _, err := clientmeta.ParseJWKS(c.JWKS); err != nil {
			l.add(path+".jwks", "%v", err)
		}
	case c.JWKSFile != "":
		if _, err := c.LoadJWKS(); err != nil {
			l.add(path+".jwks_file", "%v", err)
		}
	case m == clientmeta.AuthPrivateKeyJWT:
		l.add(path+".jwks", "private_key_jwt needs the client's public keys in jwks or jwks_file")
	}
}

func validateGrants(l *errs, path string, c *Client) {
	if len(c.GrantTypes) == 0 {
		l.add(path+".grant_types", "at least one is required")
	}
	for i, g := range c.GrantTypes {
		switch {
		case !slices.Contains(clientmeta.GrantTypes, g):
			l.add(idx(path+".grant_types", i), "must be authorization_code, refresh_token or client_credentials")
		case slices.Index(c.GrantTypes, g) != i:
			l.add(idx(path+".grant_types", i), "duplicate")
		}
	}
	if slices.Contains(c.GrantTypes, clientmeta.GrantRefreshToken) && !slices.Contains(c.GrantTypes, clientmeta.GrantAuthorizationCode) {
		l.add(path+".grant_types", "refresh_token needs authorization_code")
	}
	if slices.Contains(c.GrantTypes, clientmeta.GrantClientCredentials) && c.TokenEndpointAuthMethod == clientmeta.AuthNone {
		l.add(path+".grant_types", "client_credentials needs an authenticated client, not token_endpoint_auth_method none")
	}
}

// checkURIs reports bad entries and whether all were good.
func checkURIs(l *errs, field string, uris []string, dev bool) bool {
	ok := true
	for i, u := range uris {
		if err := clientmeta.CheckRedirectURI(u, dev); err != nil {
			l.add(idx(field, i), "%v", err)
			ok = false
		} else if slices.Index(uris, u) != i {
			l.add(idx(field, i), "duplicate")
		}
	}
	return ok
}

// LoadJWKS returns the client's public key set from jwks or jwks_file, or
// nil if it has neither.
func (c *Client) LoadJWKS() (*jose.JSONWebKeySet, error) {
	raw := []byte(c.JWKS)
	if c.JWKSFile != "" {
		b, err := readSmallFile(c.JWKSFile)
		if err != nil {
			return nil, err
		}
		raw = b
	}
	if len(raw) == 0 {
		return nil, nil
	}
	return clientmeta.ParseJWKS(raw)
}

// readSmallFile reads a regular file of at most MaxFileSize bytes; a
// device or FIFO named by mistake would otherwise block or never end.
func readSmallFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, MaxFileSize)
	}
	return b, nil
}
