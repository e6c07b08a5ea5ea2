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
// since every check looks the record up by jti. token_type_hint only
// orders the two lookups: a token of the other kind is still found
// (§2.1: the server MUST extend its search). Tokens that are unknown or
// belong to another client are answered 200 like any other: the
// response must not tell a client which tokens exist.
func (s *Server) Revocation(ctx context.Context, r *op.ClientRequest[oidc.RevocationRequest]) (*op.Response, error) {
	c := rp(r.Client)
	tok := r.Data.Token
	lookups := []func(context.Context, *rpClient, string) (bool, error){s.revokeRefresh, s.revokeAccess}
	if r.Data.TokenTypeHint == "access_token" {
		lookups[0], lookups[1] = lookups[1], lookups[0]
	}
	for _, revoke := range lookups {
		done, err := revoke(ctx, c, tok)
		if err != nil {
			return nil, s.internal(ctx, "revoke", err)
		}
		if done {
			break
		}
	}
	return op.NewResponse(nil), nil
}

// revokeRefresh revokes tok's family if tok is a live refresh token of c,
// and reports whether it was one.
func (s *Server) revokeRefresh(ctx context.Context, c *rpClient, tok string) (bool, error) {
	rec, err := s.lookupRefresh(ctx, tok)
	if ok, err := found(err); !ok || rec.ClientID != c.GetID() {
		return false, err
	}
	if err := s.revokeFamily(ctx, rec.Family); err != nil {
		return false, err
	}
	s.log.InfoContext(ctx, "refresh token revoked", "client_id", c.GetID())
	return true, nil
}

// revokeAccess deletes tok's record if tok is a live access token of c,
// and reports whether it was one.
func (s *Server) revokeAccess(ctx context.Context, c *rpClient, tok string) (bool, error) {
	key, rec, err := s.lookupAccess(ctx, tok)
	if ok, err := found(err); !ok || rec.ClientID != c.GetID() {
		return false, err
	}
	if err := s.backend.Delete(ctx, nsAccess, key); err != nil {
		return false, err
	}
	s.log.InfoContext(ctx, "access token revoked", "client_id", c.GetID())
	return true, nil
}

// found sorts a token lookup's error: a live token (true), an unknown or
// inactive one (false, nil), or a failure to look (false, err).
func found(err error) (bool, error) {
	if errors.Is(err, errInactive) {
		return false, nil
	}
	return err == nil, err
}
