package server

import (
	"context"
	"errors"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// opStorage is the op.Storage the library's Provider is built with. The
// Server overrides every op.Server method that would use it, so most
// methods refuse: should a library path ever reach one, it fails closed
// instead of taking a decision this package did not make.
type opStorage struct{ s *Server }

var _ op.Storage = opStorage{}

var errNotUsed = errors.New("server: library storage path not used")

func (o opStorage) CreateAuthRequest(context.Context, *oidc.AuthRequest, string) (op.AuthRequest, error) {
	return nil, errNotUsed
}
func (o opStorage) AuthRequestByID(context.Context, string) (op.AuthRequest, error) {
	return nil, errNotUsed
}
func (o opStorage) AuthRequestByCode(context.Context, string) (op.AuthRequest, error) {
	return nil, errNotUsed
}
func (o opStorage) SaveAuthCode(context.Context, string, string) error { return errNotUsed }
func (o opStorage) DeleteAuthRequest(context.Context, string) error    { return errNotUsed }
func (o opStorage) CreateAccessToken(context.Context, op.TokenRequest) (string, time.Time, error) {
	return "", time.Time{}, errNotUsed
}
func (o opStorage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errNotUsed
}
func (o opStorage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, errNotUsed
}
func (o opStorage) TerminateSession(context.Context, string, string) error { return errNotUsed }
func (o opStorage) RevokeToken(context.Context, string, string, string) *oidc.Error {
	return oidc.ErrServerError().WithParent(errNotUsed)
}
func (o opStorage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}
func (o opStorage) SigningKey(context.Context) (op.SigningKey, error) { return nil, errNotUsed }
func (o opStorage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return idTokenAlgs, nil
}

// KeySet serves the library's ID-token-hint verifier, should it be used.
func (o opStorage) KeySet(ctx context.Context) ([]op.Key, error) {
	keys, err := o.s.keys.publicKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]op.Key, len(keys))
	for i, k := range keys {
		out[i] = opKey{k}
	}
	return out, nil
}

// GetClientByClientID resolves clients for library helpers.
func (o opStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	return o.s.lookupClient(ctx, id)
}
func (o opStorage) AuthorizeClientIDSecret(context.Context, string, string) error { return errNotUsed }
func (o opStorage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}
func (o opStorage) SetUserinfoFromToken(context.Context, *oidc.UserInfo, string, string, string) error {
	return errNotUsed
}
func (o opStorage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errNotUsed
}
func (o opStorage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, errNotUsed
}
func (o opStorage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errNotUsed
}
func (o opStorage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errNotUsed
}

// Health is the library's probe; Ready and /readyz ping the store directly.
func (o opStorage) Health(ctx context.Context) error { return o.s.backend.Ping(ctx) }

// opKey adapts a public JWK to op.Key.
type opKey struct{ k jose.JSONWebKey }

func (k opKey) ID() string                         { return k.k.KeyID }
func (k opKey) Algorithm() jose.SignatureAlgorithm { return jose.SignatureAlgorithm(k.k.Algorithm) }
func (k opKey) Use() string                        { return k.k.Use }
func (k opKey) Key() any                           { return k.k.Key }
