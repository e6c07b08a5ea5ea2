package clients

import (
	"fmt"
	"log/slog"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/inkan-id/inkan/provider/clients/clientmeta"
	"github.com/inkan-id/inkan/provider/config"
)

// DefaultScopes are granted to a client that lists none. offline_access is
// added for clients with the refresh_token grant.
var DefaultScopes = []string{"openid"}

// FromConfig converts the config's client entries, which should have passed
// config.Validate; it repeats the checks it depends on and fails on the
// first bad entry. A plain secret (dev only) is hashed here and logged as a
// warning, so it never reaches a Client.
func FromConfig(entries []config.Client) ([]*Client, error) {
	out := make([]*Client, 0, len(entries))
	seen := map[string]bool{}
	for i, e := range entries {
		c, err := fromConfig(e)
		if err != nil {
			return nil, fmt.Errorf("clients[%d] (%s): %w", i, e.ID, err)
		}
		if seen[c.ID] {
			return nil, fmt.Errorf("clients[%d]: duplicate id %q", i, c.ID)
		}
		seen[c.ID] = true
		out = append(out, c)
	}
	return out, nil
}

func fromConfig(e config.Client) (*Client, error) {
	if err := clientmeta.CheckID(e.ID); err != nil {
		return nil, fmt.Errorf("id: %v", err)
	}
	m := Metadata{
		ID:                       e.ID,
		Name:                     e.Name,
		RedirectURIs:             slices.Clone(e.RedirectURIs),
		PostLogoutRedirectURIs:   slices.Clone(e.PostLogoutRedirectURIs),
		AuthMethod:               oidc.AuthMethod(or(e.TokenEndpointAuthMethod, clientmeta.AuthSecretBasic)),
		SubjectType:              or(e.SubjectType, clientmeta.SubjectPairwise),
		SectorIdentifier:         e.SectorIdentifier,
		AccessTokenType:          or(e.AccessTokenType, clientmeta.AccessTokenJWT),
		IDTokenSignedResponseAlg: e.IDTokenSignedResponseAlg,
		RefreshRotation:          e.RefreshRotation,
		ConsentRequired:          e.ConsentRequired == nil || *e.ConsentRequired,
	}
	grants := e.GrantTypes
	if grants == nil {
		grants = []string{clientmeta.GrantAuthorizationCode}
	}
	for _, g := range grants {
		m.GrantTypes = append(m.GrantTypes, oidc.GrantType(g))
	}
	if slices.Contains(grants, clientmeta.GrantAuthorizationCode) {
		m.ResponseTypes = []oidc.ResponseType{oidc.ResponseTypeCode}
	}
	m.Scopes = slices.Clone(e.Scopes)
	if len(m.Scopes) == 0 {
		m.Scopes = defaultScopes(grants)
	}

	switch {
	case e.SecretHash != "":
		if err := clientmeta.CheckSecretHash(e.SecretHash); err != nil {
			return nil, fmt.Errorf("secret_hash: %v", err)
		}
		m.SecretHash = e.SecretHash
	case e.Secret != "":
		slog.Warn("client secret given in plain text in the config; use secret_hash outside dev", "client_id", e.ID)
		m.SecretHash = clientmeta.HashSecret(e.Secret)
	}
	if clientmeta.UsesSecret(string(m.AuthMethod)) != (m.SecretHash != "") {
		return nil, fmt.Errorf("token_endpoint_auth_method %s and the secret do not fit together", m.AuthMethod)
	}
	jwks, err := e.LoadJWKS()
	if err != nil {
		return nil, fmt.Errorf("jwks: %v", err)
	}
	m.JWKS = jwks
	if string(m.AuthMethod) == clientmeta.AuthPrivateKeyJWT && jwks == nil {
		return nil, fmt.Errorf("private_key_jwt needs jwks")
	}
	if m.SubjectType == clientmeta.SubjectPairwise && m.SectorIdentifier == "" && len(m.RedirectURIs) > 0 {
		sector, ok := clientmeta.SectorOf(m.RedirectURIs)
		if !ok {
			return nil, fmt.Errorf("pairwise subjects need all redirect URIs on one host, or a sector_identifier")
		}
		m.SectorIdentifier = sector
	}
	return &Client{Metadata: m}, nil
}

func defaultScopes(grants []string) []string {
	s := slices.Clone(DefaultScopes)
	if slices.Contains(grants, clientmeta.GrantRefreshToken) {
		s = append(s, "offline_access")
	}
	return s
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
