package server

import (
	"context"
	"errors"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Revocation implements RFC 7009. Revoking a refresh token revokes its
// whole family, access tokens included (§2.1 "SHOULD"); revoking an
// access token deletes its record, which kills a JWT access token too
// since every check looks the record up by jti. Tokens that are unknown
// or belong to another client are answered 200 like any other: the
// response must not tell a client which tokens exist.
func (s *Server) Revocation(ctx context.Context, r *op.ClientRequest[oidc.RevocationRequest]) (*op.Response, error) {
	c := rp(r.Client)
	tok := r.Data.Token
	if r.Data.TokenTypeHint != "access_token" {
		rec, err := s.lookupRefresh(ctx, tok)
		switch {
		case err == nil && rec.ClientID == c.GetID():
			if err := s.revokeFamily(ctx, rec.Family); err != nil {
				return nil, s.internal(ctx, "revoke", err)
			}
			s.log.InfoContext(ctx, "refresh token revoked", "client_id", c.GetID())
			return op.NewResponse(nil), nil
		case err != nil && !errors.Is(err, errInactive):
			return nil, s.internal(ctx, "revoke", err)
		}
	}
	key, rec, err := s.lookupAccess(ctx, tok)
	switch {
	case err == nil && rec.ClientID == c.GetID():
		if err := s.backend.Delete(ctx, nsAccess, key); err != nil {
			return nil, s.internal(ctx, "revoke", err)
		}
		s.log.InfoContext(ctx, "access token revoked", "client_id", c.GetID())
	case err != nil && !errors.Is(err, errInactive):
		return nil, s.internal(ctx, "revoke", err)
	}
	return op.NewResponse(nil), nil
}
