package server

import (
	"context"
)

// idClaims are the ID token claims (OIDC Core §2, §3.1.3.6).
type idClaims struct {
	Issuer   string   `json:"iss"`
	Subject  string   `json:"sub"`
	Audience []string `json:"aud"`
	Expiry   int64    `json:"exp"`
	IssuedAt int64    `json:"iat"`
	AuthTime int64    `json:"auth_time"`
	Nonce    string   `json:"nonce,omitempty"`
	ACR      string   `json:"acr,omitempty"`
	AMR      []string `json:"amr,omitempty"`
	SID      string   `json:"sid,omitempty"`
	AZP      string   `json:"azp"`
	ATHash   string   `json:"at_hash,omitempty"`
	CHash    string   `json:"c_hash,omitempty"`
}

// idToken signs the ID token for g with the client's
// id_token_signed_response_alg (or the provider default). auth_time is
// always present, since max_age and prompt=login depend on it.
func (s *Server) idToken(ctx context.Context, g *grant, accessToken string) (string, error) {
	alg := g.client.idTokenAlg
	if alg == "" {
		alg = s.cfg.DefaultAlg
	}
	now := s.now()
	c := idClaims{
		Issuer:   s.issuer,
		Subject:  s.subjectFor(g.client, g.accountID),
		Audience: []string{g.client.GetID()},
		Expiry:   now.Add(s.cfg.IDTokenTTL).Unix(),
		IssuedAt: now.Unix(),
		AuthTime: g.authTime.Unix(),
		Nonce:    g.nonce,
		ACR:      g.acr,
		AMR:      g.amr,
		SID:      g.sid,
		AZP:      g.client.GetID(),
	}
	if accessToken != "" {
		c.ATHash = halfHash(alg, accessToken)
	}
	if g.code != "" {
		c.CHash = halfHash(alg, g.code)
	}
	return s.signJWT(ctx, alg, typIDToken, c)
}
