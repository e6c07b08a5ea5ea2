package server

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/inkan-id/inkan/provider/store"
)

// private_key_jwt (RFC 7523 §2.2, OIDC Core §9) is verified here rather
// than by the library, whose verifier accepts aud arrays, RS256 and 1 s of
// clock skew, checks no nbf and keeps no jti cache (oidc.md §1.6 D5–D7).

// assertionAlgs are the client-assertion algorithms accepted: FAPI 2.0
// §5.4 (no RS256) plus ES384 for P-384 keys.
var assertionAlgs = []jose.SignatureAlgorithm{jose.ES256, jose.ES384, jose.PS256, jose.EdDSA}

const (
	// assertionSkew is how far in the future iat and nbf may be: FAPI 2.0
	// §5.3.2.1-13 wants 10 s accepted and more than 60 s refused.
	assertionSkew = 30 * time.Second
	// assertionMaxLife bounds exp, and so how long a jti must be remembered.
	assertionMaxLife = time.Hour
	// maxAssertionLen bounds what is parsed at all.
	maxAssertionLen = 16 << 10
	maxJTILen       = 256
)

// assertionClaims are the claims checked beyond the signature. aud is raw
// because FAPI 2.0 §5.3.2.1-8 accepts only a JSON string.
type assertionClaims struct {
	Issuer   string           `json:"iss"`
	Subject  string           `json:"sub"`
	Audience json.RawMessage  `json:"aud"`
	Expiry   *jwt.NumericDate `json:"exp"`
	IssuedAt *jwt.NumericDate `json:"iat"`
	NotBefor *jwt.NumericDate `json:"nbf"`
	ID       string           `json:"jti"`
}

// verifyClientAssertion authenticates a client by its signed JWT.
// formClientID, when sent, must name the same client. The audience must be
// the issuer or the URL of the endpoint called, as a string.
func (s *Server) verifyClientAssertion(ctx context.Context, assertion, formClientID, endpointURL string) (*rpClient, error) {
	if len(assertion) > maxAssertionLen {
		return nil, invalidClient(errors.New("client assertion too long"))
	}
	tok, err := jwt.ParseSigned(assertion, assertionAlgs)
	if err != nil {
		return nil, invalidClient(err)
	}
	var claims assertionClaims
	if err := tok.UnsafeClaimsWithoutVerification(&claims); err != nil {
		return nil, invalidClient(err)
	}
	if claims.Issuer == "" || claims.Issuer != claims.Subject {
		return nil, invalidClient(errors.New("client assertion iss and sub must both be the client id"))
	}
	if formClientID != "" && formClientID != claims.Issuer {
		return nil, invalidClient(errors.New("client_id does not match the assertion"))
	}
	c, err := s.lookupClient(ctx, claims.Issuer)
	if err != nil {
		return nil, s.clientErr(ctx, err)
	}
	if c.AuthMethod() != oidc.AuthMethodPrivateKeyJWT {
		return nil, invalidClient(errors.New("client did not register private_key_jwt"))
	}
	keys, err := s.clients.publicKeys(ctx, c.GetID())
	if err != nil {
		return nil, s.clientErr(ctx, err)
	}
	hdr := tok.Headers[0]
	verified := false
	for i := range keys {
		k := &keys[i]
		if hdr.KeyID != "" && k.KeyID != hdr.KeyID {
			continue
		}
		if k.Algorithm != "" && k.Algorithm != hdr.Algorithm {
			continue
		}
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		if err := tok.Claims(k, &claims); err == nil {
			verified = true
			break
		}
	}
	if !verified {
		return nil, invalidClient(errors.New("client assertion signature does not verify with a registered key"))
	}

	var aud string
	if err := json.Unmarshal(claims.Audience, &aud); err != nil {
		return nil, invalidClient(errors.New("client assertion aud must be a single string"))
	}
	if aud != s.issuer && aud != endpointURL && aud != s.endpoint(pathToken) {
		return nil, invalidClient(errors.New("client assertion aud is not this issuer"))
	}
	now := s.now()
	switch {
	case claims.Expiry == nil:
		return nil, invalidClient(errors.New("client assertion has no exp"))
	case now.After(claims.Expiry.Time()):
		return nil, invalidClient(errors.New("client assertion expired"))
	case claims.Expiry.Time().Sub(now) > assertionMaxLife:
		return nil, invalidClient(errors.New("client assertion exp too far ahead"))
	case claims.IssuedAt != nil && claims.IssuedAt.Time().Sub(now) > assertionSkew:
		return nil, invalidClient(errors.New("client assertion iat in the future"))
	case claims.NotBefor != nil && claims.NotBefor.Time().Sub(now) > assertionSkew:
		return nil, invalidClient(errors.New("client assertion nbf in the future"))
	case claims.ID == "" || len(claims.ID) > maxJTILen:
		return nil, invalidClient(errors.New("client assertion needs a jti"))
	}
	// One use per jti (RFC 7523 §3 item 7): remembered until it expires.
	err = s.backend.Create(ctx, nsJTI, hashKey(c.GetID()+" "+claims.ID), nil,
		ttlUntil(now, claims.Expiry.Time().Add(assertionSkew)))
	if errors.Is(err, store.ErrExists) {
		return nil, invalidClient(errors.New("client assertion jti replayed"))
	}
	if err != nil {
		return nil, s.internal(ctx, "assertion replay cache", err)
	}
	return c, nil
}
