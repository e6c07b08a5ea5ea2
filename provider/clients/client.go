package clients

import (
	"net/url"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/inkan-id/inkan/provider/clients/clientmeta"
)

// DefaultIDTokenLifetime is the ID token lifetime when the Registry was not
// given the configured one.
const DefaultIDTokenLifetime = 10 * time.Minute

// Metadata is what the provider knows about a client. It is the stored JSON
// form. It lives apart from Client because several op.Client methods have
// the names these fields would naturally have (RedirectURIs, GrantTypes,
// AuthMethod, ...): Client embeds Metadata and its methods shadow the
// promoted fields, so read c.Metadata.RedirectURIs or call c.RedirectURIs().
type Metadata struct {
	// ID is the client_id.
	ID string `json:"client_id"`
	// Name is shown to the user on the consent page.
	Name string `json:"client_name,omitempty"`
	// SecretHash is the hash of the client secret (clientmeta forms:
	// "sha256:..." or bcrypt), empty for clients without a secret.
	SecretHash string `json:"secret_hash,omitempty"`
	// RedirectURIs are matched exactly.
	RedirectURIs           []string `json:"redirect_uris,omitempty"`
	PostLogoutRedirectURIs []string `json:"post_logout_redirect_uris,omitempty"`
	// AuthMethod is the token endpoint authentication method.
	AuthMethod oidc.AuthMethod `json:"token_endpoint_auth_method"`
	// JWKS holds the client's public keys (private_key_jwt).
	JWKS          *jose.JSONWebKeySet `json:"jwks,omitempty"`
	GrantTypes    []oidc.GrantType    `json:"grant_types"`
	ResponseTypes []oidc.ResponseType `json:"response_types"`
	// Scopes the client may request beyond the standard OpenID ones.
	Scopes []string `json:"scopes,omitempty"`
	// SubjectType is "pairwise" (the default) or "public".
	SubjectType string `json:"subject_type"`
	// SectorIdentifier is the host pairwise subjects are computed for.
	SectorIdentifier string `json:"sector_identifier,omitempty"`
	// AccessTokenType is "jwt" (the default) or "opaque".
	AccessTokenType string `json:"access_token_type"`
	// IDTokenSignedResponseAlg is "" (the provider's default), ES256,
	// PS256 or RS256.
	IDTokenSignedResponseAlg string `json:"id_token_signed_response_alg,omitempty"`
	// RefreshRotation overrides the default: off for confidential
	// clients (FAPI 2.0 §5.3.2.1-9), on for public ones.
	RefreshRotation *bool `json:"refresh_rotation,omitempty"`
	// ConsentRequired makes the user confirm what is released.
	ConsentRequired bool `json:"consent_required"`
	// Dynamic marks clients registered through RFC 7591.
	Dynamic bool `json:"dynamic,omitempty"`
	// CreatedAt is client_id_issued_at for dynamic clients.
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// Client is a relying party. It implements op.Client. Clients handed out by
// a Registry are shared: do not modify them.
type Client struct {
	Metadata

	idTokenLifetime time.Duration
}

var _ op.Client = (*Client)(nil)

// GetID implements op.Client.
func (c *Client) GetID() string { return c.ID }

// RedirectURIs implements op.Client.
func (c *Client) RedirectURIs() []string { return c.Metadata.RedirectURIs }

// PostLogoutRedirectURIs implements op.Client.
func (c *Client) PostLogoutRedirectURIs() []string { return c.Metadata.PostLogoutRedirectURIs }

// ApplicationType implements op.Client: web for confidential clients,
// native for public ones (zitadel then allows any port on a registered
// loopback redirect, RFC 8252 §7.3).
func (c *Client) ApplicationType() op.ApplicationType {
	if c.IsPublic() {
		return op.ApplicationTypeNative
	}
	return op.ApplicationTypeWeb
}

// AuthMethod implements op.Client.
func (c *Client) AuthMethod() oidc.AuthMethod { return c.Metadata.AuthMethod }

// ResponseTypes implements op.Client: ["code"] for clients with the
// authorization_code grant, none otherwise.
func (c *Client) ResponseTypes() []oidc.ResponseType { return c.Metadata.ResponseTypes }

// GrantTypes implements op.Client.
func (c *Client) GrantTypes() []oidc.GrantType { return c.Metadata.GrantTypes }

// LoginURL implements op.Client: where /authorize sends the browser.
func (c *Client) LoginURL(authRequestID string) string {
	return "/login?id=" + url.QueryEscape(authRequestID)
}

// AccessTokenType implements op.Client.
func (c *Client) AccessTokenType() op.AccessTokenType {
	if c.Metadata.AccessTokenType == clientmeta.AccessTokenOpaque {
		return op.AccessTokenTypeBearer
	}
	return op.AccessTokenTypeJWT
}

// IDTokenLifetime implements op.Client with the configured
// tokens.id_token_ttl.
func (c *Client) IDTokenLifetime() time.Duration {
	if c.idTokenLifetime > 0 {
		return c.idTokenLifetime
	}
	return DefaultIDTokenLifetime
}

// DevMode implements op.Client. It is always false: dev mode loosens the
// rules at registration, never at authorization.
func (c *Client) DevMode() bool { return false }

// RestrictAdditionalIdTokenScopes implements op.Client without restriction;
// which claims go into tokens is decided by the provider's claim logic.
func (c *Client) RestrictAdditionalIdTokenScopes() func(scopes []string) []string {
	return identity
}

// RestrictAdditionalAccessTokenScopes implements op.Client without
// restriction.
func (c *Client) RestrictAdditionalAccessTokenScopes() func(scopes []string) []string {
	return identity
}

func identity(scopes []string) []string { return scopes }

// IsScopeAllowed implements op.Client. zitadel asks only about scopes
// beyond the standard OpenID ones (openid, profile, email, phone, address,
// offline_access), which it always lets through.
func (c *Client) IsScopeAllowed(scope string) bool { return slices.Contains(c.Scopes, scope) }

// IDTokenUserinfoClaimsAssertion implements op.Client: false, so claims go
// to the UserInfo endpoint unless the provider adds them.
func (c *Client) IDTokenUserinfoClaimsAssertion() bool { return false }

// ClockSkew implements op.Client: none.
func (c *Client) ClockSkew() time.Duration { return 0 }

// IsPublic reports whether the client has no credentials
// (token_endpoint_auth_method none).
func (c *Client) IsPublic() bool { return c.Metadata.AuthMethod == oidc.AuthMethodNone }

// HasGrant reports whether the client may use grant g.
func (c *Client) HasGrant(g oidc.GrantType) bool { return slices.Contains(c.Metadata.GrantTypes, g) }

// RotatesRefreshTokens reports whether a refresh returns a new refresh
// token: RefreshRotation if set, else only for public clients.
func (c *Client) RotatesRefreshTokens() bool {
	if c.RefreshRotation != nil {
		return *c.RefreshRotation
	}
	return c.IsPublic()
}

// Pairwise reports whether the client gets pairwise subject identifiers.
func (c *Client) Pairwise() bool { return c.SubjectType != clientmeta.SubjectPublic }

// IDTokenAlg returns the algorithm the client asked for, or "" for the
// provider's default.
func (c *Client) IDTokenAlg() jose.SignatureAlgorithm {
	return jose.SignatureAlgorithm(c.IDTokenSignedResponseAlg)
}
