package server

import (
	"context"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// ClientCredentialsExchange issues a service client an access token for
// itself (RFC 6749 §4.4): sub is the client id, and there is no ID token
// and no refresh token. The client was authenticated by VerifyClient with
// whatever method it registered, private_key_jwt included.
func (s *Server) ClientCredentialsExchange(ctx context.Context, r *op.ClientRequest[oidc.ClientCredentialsRequest]) (*op.Response, error) {
	c := rp(r.Client)
	scopes := []string(r.Data.Scope)
	if len(scopes) > maxListItems {
		return nil, oidc.ErrInvalidScope().WithDescription("Too many scopes.")
	}
	for _, sc := range scopes {
		// openid and the user scopes make no sense without a user.
		if sc == oidc.ScopeOpenID || sc == oidc.ScopeOfflineAccess || sc == scopeVerifiedClaims || !c.IsScopeAllowed(sc) {
			return nil, oidc.ErrInvalidScope().WithDescription("A requested scope is not allowed for this client.")
		}
	}
	scopes = slices.Clone(scopes)
	pa, err := s.newAccess(ctx, &grant{client: c, scopes: scopes})
	if err != nil {
		return nil, s.internal(ctx, "access token", err)
	}
	if err := s.storeAccess(ctx, pa); err != nil {
		return nil, s.internal(ctx, "access token store", err)
	}
	s.log.InfoContext(ctx, "client credentials token", "client_id", c.GetID())
	return s.tokenResponse(pa, "", "", scopes), nil
}
