package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/inkan-id/inkan/provider/store"
)

// Tokens are issued here with go-jose rather than the library's
// CreateTokenResponse, which cannot set typ at+jwt (RFC 9068) or choose
// the ID token algorithm per client.

// grant is what one token response is issued for.
type grant struct {
	client    *rpClient
	accountID string // "" for client_credentials
	scopes    []string
	authTime  time.Time
	amr       []string
	acr       string
	sid       string
	nonce     string // code exchange only
	code      string // code exchange only, for c_hash
	family    string // refresh-token family the access token joins
}

// accessRecord is an issued access token, keyed by its jti (JWT) or its
// hashKey (opaque). Revoking deletes it; a JWT without its record is dead.
type accessRecord struct {
	ClientID  string   `json:"client_id"`
	AccountID string   `json:"account,omitempty"`
	Subject   string   `json:"sub"`
	Scopes    []string `json:"scopes"`
	AuthTime  int64    `json:"auth_time,omitempty"`
	ACR       string   `json:"acr,omitempty"`
	SID       string   `json:"sid,omitempty"`
	Family    string   `json:"family,omitempty"`
	JTI       string   `json:"jti,omitempty"`
	// TokenHash is the hashKey of a JWT access token: a token presented
	// is the one issued iff its hash matches (lookupAccess).
	TokenHash string `json:"token_sha256,omitempty"`
	IssuedAt  int64  `json:"iat"`
	Expires   int64  `json:"exp"`
}

// atClaims are the RFC 9068 §2.2 claims of a JWT access token.
type atClaims struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	Audience string `json:"aud"`
	Expiry   int64  `json:"exp"`
	IssuedAt int64  `json:"iat"`
	JTI      string `json:"jti"`
	ClientID string `json:"client_id"`
	Scope    string `json:"scope,omitempty"`
	AuthTime int64  `json:"auth_time,omitempty"`
	ACR      string `json:"acr,omitempty"`
}

// pendingAccess is an access token built but not yet stored, so that its
// key can be recorded (for code-reuse revocation) before it exists.
type pendingAccess struct {
	token string
	key   string
	rec   accessRecord
}

// newAccess builds an access token for g: an RFC 9068 JWT, or 256 random
// bits for clients that registered access_token_type opaque. aud is the
// client id: without resource indicators the client is the audience the
// token is minted for.
func (s *Server) newAccess(ctx context.Context, g *grant) (*pendingAccess, error) {
	now := s.now()
	sub := g.client.GetID()
	if g.accountID != "" {
		sub = s.subjectFor(g.client, g.accountID)
	}
	rec := accessRecord{
		ClientID: g.client.GetID(), AccountID: g.accountID, Subject: sub, Scopes: g.scopes,
		ACR: g.acr, SID: g.sid, Family: g.family,
		IssuedAt: now.Unix(), Expires: now.Add(s.cfg.AccessTokenTTL).Unix(),
	}
	if !g.authTime.IsZero() {
		rec.AuthTime = g.authTime.Unix()
	}
	if g.client.opaqueAT {
		tok := familyToken(g.family)
		return &pendingAccess{token: tok, key: hashKey(tok), rec: rec}, nil
	}
	rec.JTI = familyJTI(g.family)
	tok, err := s.signJWT(ctx, s.cfg.DefaultAlg, typAccessToken, atClaims{
		Issuer: s.issuer, Subject: sub, Audience: g.client.GetID(),
		Expiry: rec.Expires, IssuedAt: rec.IssuedAt, JTI: rec.JTI, ClientID: g.client.GetID(),
		Scope: strings.Join(g.scopes, " "), AuthTime: rec.AuthTime, ACR: g.acr,
	})
	if err != nil {
		return nil, err
	}
	rec.TokenHash = hashKey(tok)
	return &pendingAccess{token: tok, key: rec.JTI, rec: rec}, nil
}

// storeAccess saves the access token's record. It does not join the
// family's member set: every use of an access token checks that its
// family is live (lookupAccess), so revoking the family kills it without
// a write per token.
func (s *Server) storeAccess(ctx context.Context, pa *pendingAccess) error {
	return putJSON(ctx, s.backend, nsAccess, pa.key, pa.rec, s.cfg.AccessTokenTTL)
}

// accessOp is storeAccess as an op of a batch.
func (s *Server) accessOp(pa *pendingAccess) (store.Op, error) {
	raw, err := json.Marshal(pa.rec)
	if err != nil {
		return store.Op{}, err
	}
	return store.Put(nsAccess, pa.key, raw, s.cfg.AccessTokenTTL), nil
}

// tokenResponse assembles the JSON answer; no-store headers come from
// headerMiddleware.
func (s *Server) tokenResponse(pa *pendingAccess, refresh, idToken string, scopes []string) *op.Response {
	return op.NewResponse(&oidc.AccessTokenResponse{
		AccessToken:  pa.token,
		TokenType:    oidc.BearerToken,
		ExpiresIn:    uint64(s.cfg.AccessTokenTTL / time.Second),
		RefreshToken: refresh,
		IDToken:      idToken,
		Scope:        scopes,
	})
}

// usedCode is kept after a code is redeemed so that a second attempt can
// revoke what the first one got (RFC 6749 §4.1.2, oidcc-codereuse).
type usedCode struct {
	ClientID  string `json:"client_id"`
	AccessKey string `json:"at"`
	Family    string `json:"family,omitempty"`
}

// usedCodeMargin is how long beyond the code's own life its redemption is
// remembered.
const usedCodeMargin = 10 * time.Minute

const maxCodeLen = 512

// CodeExchange redeems an authorization code. Unlike LegacyServer it
// always verifies PKCE (oidc.md §1.6 D1), takes the code atomically, and
// on reuse revokes the tokens the first redemption issued.
func (s *Server) CodeExchange(ctx context.Context, r *op.ClientRequest[oidc.AccessTokenRequest]) (*op.Response, error) {
	c := rp(r.Client)
	d := r.Data
	if len(d.Code) > maxCodeLen {
		return nil, invalidGrant(errors.New("code too long"))
	}
	key := hashKey(d.Code)
	// The code names its session in front (sessionCode): read the
	// session's sid record along, to refuse a code whose session ended.
	keys := []store.Key{{NS: nsCode, Key: key}}
	sidHint := familyOf(d.Code)
	if sidHint != "" {
		keys = append(keys, store.Key{NS: nsSID, Key: sidHint})
	}
	vals, err := store.GetMany(ctx, s.backend, keys...)
	if err != nil {
		return nil, s.internal(ctx, "code lookup", err)
	}
	raw := vals[0]
	if raw == nil {
		return nil, s.codeReused(ctx, key, c)
	}
	var rec codeRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, s.internal(ctx, "code record", err)
	}
	now := s.now()
	switch {
	case now.Sub(time.Unix(0, rec.IssuedAt)) > s.cfg.CodeTTL:
		return nil, invalidGrant(errors.New("code expired"))
	case rec.ClientID != c.GetID():
		s.log.WarnContext(ctx, "code presented by another client", "client_id", c.GetID(), "code_client_id", rec.ClientID)
		return nil, invalidGrant(errors.New("code issued to another client"))
	case rec.RedirectURI != d.RedirectURI:
		return nil, invalidGrant(errors.New("redirect_uri differs from the authorization request"))
	}
	if err := verifyPKCE(d.CodeVerifier, rec.CodeChallenge); err != nil {
		return nil, err
	}
	// The code is checked; it is consumed (a delete of exactly the bytes
	// checked) in the batch that stores what it buys. Losing that race
	// means another request redeemed it a moment ago: that is reuse.

	g := &grant{
		client: c, accountID: rec.AccountID, scopes: rec.Scopes, authTime: time.Unix(rec.AuthTime, 0),
		amr: rec.AMR, acr: rec.ACR, sid: rec.SID, nonce: rec.Nonce, code: d.Code,
	}
	if hasGrant(c, oidc.GrantTypeRefreshToken) {
		g.family = newID()
	}
	pa, err := s.newAccess(ctx, g)
	if err != nil {
		return nil, s.internal(ctx, "access token", err)
	}
	// Consume the code and remember the redemption first, so that
	// whatever happens next a reuse can find and revoke it: they lead the
	// batch, which lands whole on one Redis server and on bolt, and in
	// this order where it cannot.
	used, err := json.Marshal(usedCode{ClientID: c.GetID(), AccessKey: pa.key, Family: g.family})
	if err != nil {
		return nil, s.internal(ctx, "code redemption record", err)
	}
	first := []store.Op{store.DeleteIf(nsCode, key, raw), store.Put(nsCodeUsed, key, used, s.cfg.CodeTTL+usedCodeMargin)}
	if rec.SID != "" {
		// The session must still be there when the tokens bound to it
		// land: a logout in between would miss their family. The check
		// leads the batch, so where batches go op by op a failed check
		// writes nothing either.
		sidVal, err := s.sidRecord(ctx, rec.SID, sidHint, vals)
		if err != nil {
			return nil, s.internal(ctx, "code session", err)
		}
		if sidVal == nil {
			return nil, invalidGrant(errors.New("the code's session has ended"))
		}
		first = append([]store.Op{store.Swap(nsSID, rec.SID, sidVal, sidVal)}, first...)
	}
	resp, err := s.issue(ctx, g, pa, first...)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
		// The session check or the code's delete found its record gone or
		// changed: nothing of this redemption was written.
		if rec.SID != "" {
			if v, err := s.sidRecord(ctx, rec.SID, "", nil); err == nil && v == nil {
				return nil, invalidGrant(errors.New("the code's session ended during the exchange"))
			}
		}
		return nil, s.codeReused(ctx, key, c)
	}
	if err != nil {
		s.undoIssue(ctx, pa, g.family)
		return nil, s.internal(ctx, "token issue", err)
	}
	s.log.InfoContext(ctx, "code redeemed", "client_id", c.GetID(), "refresh", g.family != "")
	return resp, nil
}

// issue stores, after the writes in first, the access token and, when g
// has one, the new refresh family, all in one store batch; then it signs
// the ID token and builds the response.
func (s *Server) issue(ctx context.Context, g *grant, pa *pendingAccess, first ...store.Op) (*op.Response, error) {
	ops := first
	var refresh string
	if g.family != "" {
		var err error
		if refresh, ops, err = s.startFamilyOps(g, ops); err != nil {
			return nil, err
		}
	}
	at, err := s.accessOp(pa)
	if err != nil {
		return nil, err
	}
	if err := store.Apply(ctx, s.backend, append(ops, at)...); err != nil {
		return nil, err
	}
	var idt string
	if slices.Contains(g.scopes, oidc.ScopeOpenID) {
		if idt, err = s.idToken(ctx, g, pa.token); err != nil {
			return nil, err
		}
	}
	return s.tokenResponse(pa, refresh, idt, g.scopes), nil
}

// sidRecord returns the sid record of sid, or nil when the session ended
// or is being ended (sidEnded): the one read along with the code when the
// code named it, else a read.
func (s *Server) sidRecord(ctx context.Context, sid, hint string, vals [][]byte) ([]byte, error) {
	var v []byte
	if hint == sid && len(vals) > 1 {
		v = vals[1]
	} else {
		var err error
		if v, err = s.backend.Get(ctx, nsSID, sid); notFound(err) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
	}
	if strings.HasPrefix(string(v), sidEnded) {
		return nil, nil
	}
	return v, nil
}

// undoIssue removes what a failed issue may have stored.
func (s *Server) undoIssue(ctx context.Context, pa *pendingAccess, family string) {
	ctx = context.WithoutCancel(ctx)
	_ = s.backend.Delete(ctx, nsAccess, pa.key)
	if family != "" {
		_ = s.revokeFamily(ctx, family)
	}
}

// codeReused answers a code that is not (or no longer) redeemable. If it
// was redeemed before, the tokens that redemption issued are revoked: the
// code has leaked or is being replayed.
//
// The record of the redemption is deleted only after the revocation has
// gone through: a store failure half-way leaves it for the next replay
// to finish (revoking twice is harmless).
func (s *Server) codeReused(ctx context.Context, key string, c *rpClient) error {
	var used usedCode
	err := getJSON(ctx, s.backend, nsCodeUsed, key, &used)
	if notFound(err) {
		return invalidGrant(errors.New("unknown or expired code"))
	}
	if err != nil {
		return s.internal(ctx, "code reuse lookup", err)
	}
	s.log.WarnContext(ctx, "authorization code reused; revoking its tokens",
		"client_id", c.GetID(), "code_client_id", used.ClientID)
	if used.Family != "" {
		if err := s.revokeFamily(ctx, used.Family); err != nil {
			return s.internal(ctx, "code reuse revoke", err)
		}
	}
	if err := s.backend.Delete(ctx, nsAccess, used.AccessKey); err != nil {
		return s.internal(ctx, "code reuse revoke", err)
	}
	if err := s.backend.Delete(ctx, nsCodeUsed, key); err != nil {
		return s.internal(ctx, "code reuse revoke", err)
	}
	return invalidGrant(errors.New("code already used"))
}

// verifyPKCE checks code_verifier against the S256 challenge (RFC 7636
// §4.6). It is always required: no client is exempt, and a request cannot
// downgrade by leaving it out (oidc.md §1.6 D1).
func verifyPKCE(verifier, challenge string) error {
	if verifier == "" {
		return oidc.ErrInvalidRequest().WithDescription("code_verifier is required.")
	}
	if len(verifier) < 43 || len(verifier) > 128 || !unreserved(verifier) {
		return invalidGrant(errors.New("malformed code_verifier"))
	}
	sum := sha256.Sum256([]byte(verifier))
	if subtle.ConstantTimeCompare([]byte(b64.EncodeToString(sum[:])), []byte(challenge)) != 1 {
		return invalidGrant(errors.New("code_verifier does not match the challenge"))
	}
	return nil
}

// unreserved reports whether v holds only RFC 3986 unreserved characters.
func unreserved(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// Grants this server does not offer answer unsupported_grant_type, even
// though LegacyServer would try them.

// JWTProfile refuses the RFC 7523 grant.
func (s *Server) JWTProfile(context.Context, *op.Request[oidc.JWTProfileGrantRequest]) (*op.Response, error) {
	return nil, unsupportedGrant()
}

// TokenExchange refuses RFC 8693.
func (s *Server) TokenExchange(context.Context, *op.ClientRequest[oidc.TokenExchangeRequest]) (*op.Response, error) {
	return nil, unsupportedGrant()
}

// DeviceToken refuses RFC 8628.
func (s *Server) DeviceToken(context.Context, *op.ClientRequest[oidc.DeviceAccessTokenRequest]) (*op.Response, error) {
	return nil, unsupportedGrant()
}

// DeviceAuthorization refuses RFC 8628 (its route is not registered).
func (s *Server) DeviceAuthorization(context.Context, *op.ClientRequest[oidc.DeviceAuthorizationRequest]) (*op.Response, error) {
	return nil, unsupportedGrant()
}

func unsupportedGrant() error {
	return op.NewStatusError(oidc.ErrUnsupportedGrantType().WithDescription("This grant type is not supported."), http.StatusBadRequest)
}
