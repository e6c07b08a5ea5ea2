package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// errInactive means a token is unknown, expired, revoked or malformed.
var errInactive = errors.New("server: token inactive")

// looksJWT tells our JWT access tokens (three dot-separated parts) from
// opaque ones (base64url, with at most one dot: after the family).
func looksJWT(tok string) bool { return strings.Count(tok, ".") == 2 }

// lookupAccess finds the live record of an access token: it must still
// have its record (revocation deletes it) and a live family. A JWT is
// found by its jti and must be, byte for byte, the token the record was
// issued with (its hash is in the record): that proves it ours without a
// signature check. A record from before token hashes has none; then the
// JWT must carry our signature and typ at+jwt, as before.
func (s *Server) lookupAccess(ctx context.Context, tok string) (string, *accessRecord, error) {
	if tok == "" || len(tok) > 16<<10 {
		return "", nil, errInactive
	}
	key, hint := "", ""
	jwt := looksJWT(tok)
	if jwt {
		jti, ok := unverifiedJTI(tok)
		if !ok {
			return "", nil, errInactive
		}
		key, hint = jti, familyOf(jti)
	} else {
		key, hint = hashKey(tok), familyOf(tok)
	}
	raw, familyLive, err := s.withFamily(ctx, nsAccess, key, hint)
	if notFound(err) || (err == nil && raw == nil) {
		return "", nil, errInactive
	}
	if err != nil {
		return "", nil, err
	}
	var rec accessRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return "", nil, err
	}
	if jwt {
		if err := s.checkAccessJWT(ctx, tok, key, &rec); err != nil {
			return "", nil, err
		}
	}
	if s.now().Unix() >= rec.Expires {
		return "", nil, errInactive
	}
	if rec.Family != "" {
		live, err := familyLive(rec.Family)
		if err != nil {
			return "", nil, err
		}
		if !live {
			return "", nil, errInactive
		}
	}
	return key, &rec, nil
}

// Introspect answers RFC 7662 for access and refresh tokens. The caller
// must be a confidential client, authenticated like at the token endpoint
// (private_key_jwt included); it learns about its own tokens only, so
// introspection cannot be used to probe other clients' users.
func (s *Server) Introspect(ctx context.Context, r *op.Request[op.IntrospectionRequest]) (*op.Response, error) {
	c, err := s.authenticateClient(ctx, r.Header, r.Data.ClientCredentials, s.endpoint(pathIntrospect))
	if err != nil {
		return nil, err
	}
	if c.AuthMethod() == oidc.AuthMethodNone {
		return nil, invalidClient(errors.New("public clients may not introspect"))
	}
	tok := r.Data.Token
	inactive := op.NewResponse(map[string]any{"active": false})
	if _, rec, err := s.lookupAccess(ctx, tok); err == nil {
		if rec.ClientID != c.GetID() {
			return inactive, nil
		}
		resp := map[string]any{
			"active": true, "token_type": "Bearer", "client_id": rec.ClientID, "sub": rec.Subject,
			"aud": rec.ClientID, "iss": s.issuer, "exp": rec.Expires, "iat": rec.IssuedAt,
			"scope": strings.Join(rec.Scopes, " "),
		}
		if rec.JTI != "" {
			resp["jti"] = rec.JTI
		}
		if rec.AuthTime != 0 {
			resp["auth_time"] = rec.AuthTime
		}
		if rec.ACR != "" {
			resp["acr"] = rec.ACR
		}
		return op.NewResponse(resp), nil
	} else if !errors.Is(err, errInactive) {
		return nil, s.internal(ctx, "introspect", err)
	}
	rec, err := s.lookupRefresh(ctx, tok)
	if errors.Is(err, errInactive) || (err == nil && rec.ClientID != c.GetID()) {
		return inactive, nil
	}
	if err != nil {
		return nil, s.internal(ctx, "introspect", err)
	}
	return op.NewResponse(map[string]any{
		"active": true, "token_type": "refresh_token", "client_id": rec.ClientID,
		"sub": s.subjectFor(c, rec.AccountID), "iss": s.issuer, "exp": rec.Expires,
		"scope": strings.Join(rec.Scopes, " "), "auth_time": rec.AuthTime,
	}), nil
}

// lookupRefresh finds a live refresh token that has not been rotated away.
func (s *Server) lookupRefresh(ctx context.Context, tok string) (*refreshRecord, error) {
	if tok == "" || len(tok) > maxRefreshLen || looksJWT(tok) {
		return nil, errInactive
	}
	raw, familyLive, err := s.withFamily(ctx, nsRefresh, hashKey(tok), familyOf(tok))
	if notFound(err) || (err == nil && raw == nil) {
		return nil, errInactive
	}
	if err != nil {
		return nil, err
	}
	var rec refreshRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, err
	}
	now := s.now()
	if now.Unix() >= rec.Expires || (rec.RotatedAt != 0 && now.Sub(time.Unix(0, rec.RotatedAt)) > s.cfg.RefreshGrace) {
		return nil, errInactive
	}
	live, err := familyLive(rec.Family)
	if err != nil {
		return nil, err
	}
	if !live {
		return nil, errInactive
	}
	return &rec, nil
}

// unverifiedJTI reads the jti of a JWT without checking anything else: a
// lookup key only, never trusted before the token is matched to its
// record.
func unverifiedJTI(tok string) (string, bool) {
	_, rest, _ := strings.Cut(tok, ".")
	payload, _, _ := strings.Cut(rest, ".")
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return "", false
	}
	var c struct {
		JTI string `json:"jti"`
	}
	if err := json.Unmarshal(raw, &c); err != nil || c.JTI == "" || len(c.JTI) > 64 {
		return "", false
	}
	return c.JTI, true
}

// checkAccessJWT checks that tok is the JWT access token rec was issued
// with: by its hash, or, for a record without one, by our signature and
// its claims.
func (s *Server) checkAccessJWT(ctx context.Context, tok, jti string, rec *accessRecord) error {
	if rec.TokenHash != "" {
		if !equalHash(tok, rec.TokenHash) {
			return errInactive
		}
		return nil
	}
	payload, err := s.verifyOwnJWT(ctx, tok, typAccessToken)
	if err != nil {
		if unavailable(err) {
			return err
		}
		return errInactive
	}
	var c atClaims
	if err := json.Unmarshal(payload, &c); err != nil || c.JTI != jti || c.Issuer != s.issuer {
		return errInactive
	}
	return nil
}
