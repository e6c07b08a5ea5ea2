package server

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// UserInfo answers OIDC Core §5.3 with the same sub as the ID token and,
// only when the token carries the verified_claims scope and the user
// consented to it for this client, the verified_claims of their last
// signature-certificate login.
func (s *Server) UserInfo(ctx context.Context, r *op.Request[oidc.UserInfoRequest]) (*op.Response, error) {
	if r.URL.Query().Has("access_token") {
		// RFC 6750 §2.3 is a last resort we do not offer: URLs end up in logs.
		return nil, op.NewStatusError(oidc.ErrInvalidRequest().
			WithDescription("Send the access token in the Authorization header."), http.StatusBadRequest)
	}
	_, rec, err := s.lookupAccess(ctx, r.Data.AccessToken)
	if errors.Is(err, errInactive) {
		return nil, op.NewStatusError(errInvalidToken(), http.StatusUnauthorized)
	}
	if err != nil {
		return nil, s.internal(ctx, "userinfo", err)
	}
	if rec.AccountID == "" || !slices.Contains(rec.Scopes, oidc.ScopeOpenID) {
		return nil, op.NewStatusError(&oidc.Error{ErrorType: "insufficient_scope",
			Description: "The access token was not issued for the openid scope."}, http.StatusForbidden)
	}
	info := map[string]any{"sub": rec.Subject}
	if slices.Contains(rec.Scopes, scopeVerifiedClaims) {
		ok, err := s.hasConsent(ctx, rec.AccountID, rec.ClientID, scopeVerifiedClaims)
		if err != nil {
			return nil, s.internal(ctx, "userinfo consent", err)
		}
		if ok {
			a, err := s.loadAttributes(ctx, rec.AccountID)
			if err != nil {
				return nil, s.internal(ctx, "userinfo attributes", err)
			}
			if a != nil {
				info["verified_claims"] = verifiedClaims(a)
			}
		}
	}
	return op.NewResponse(info), nil
}
