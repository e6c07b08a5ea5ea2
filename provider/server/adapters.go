package server

import (
	"context"
	"errors"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/inkan-id/inkan/provider/clients"
	"github.com/inkan-id/inkan/provider/keys"
)

// managerKeys adapts provider/keys to keySource.
type managerKeys struct{ m *keys.Manager }

func (k managerKeys) signer(ctx context.Context, alg jose.SignatureAlgorithm) (signingKey, error) {
	sk, err := k.m.Signer(ctx, alg)
	if err != nil {
		return signingKey{}, err
	}
	return signingKey{id: sk.ID(), alg: sk.Algorithm(), key: sk.Signer()}, nil
}

func (k managerKeys) publicKeys(ctx context.Context) ([]jose.JSONWebKey, error) {
	return k.m.PublicKeys(ctx)
}

func (k managerKeys) freshPublicKeys(ctx context.Context) ([]jose.JSONWebKey, error) {
	return k.m.FreshPublicKeys(ctx)
}

// registryDirectory adapts provider/clients to clientDirectory.
type registryDirectory struct{ r *clients.Registry }

func (d registryDirectory) client(ctx context.Context, id string) (*rpClient, error) {
	c, err := d.r.Get(ctx, id)
	if errors.Is(err, clients.ErrNotFound) {
		return nil, fmt.Errorf("%w: %w", errNoClient, err)
	}
	if err != nil {
		return nil, err
	}
	return fromRegistry(c), nil
}

func (d registryDirectory) checkSecret(ctx context.Context, id, secret string) (*rpClient, error) {
	c, err := d.r.AuthenticateSecret(ctx, id, secret)
	if errors.Is(err, clients.ErrAuthFailed) || errors.Is(err, clients.ErrNotFound) {
		return nil, fmt.Errorf("%w: %w", errNoClient, err)
	}
	if err != nil {
		return nil, err
	}
	return fromRegistry(c), nil
}

func (d registryDirectory) publicKeys(ctx context.Context, id string) ([]jose.JSONWebKey, error) {
	c, err := d.r.Get(ctx, id)
	if errors.Is(err, clients.ErrNotFound) {
		return nil, fmt.Errorf("%w: %w", errNoClient, err)
	}
	if err != nil {
		return nil, err
	}
	if c.JWKS == nil {
		return nil, nil
	}
	return c.JWKS.Keys, nil
}

// fromRegistry is the server's view of a registry client.
func fromRegistry(c *clients.Client) *rpClient {
	st := subjectPairwise
	if !c.Pairwise() {
		st = subjectPublic
	}
	return &rpClient{
		Client:      c,
		name:        c.Name,
		subjectType: st,
		sector:      c.SectorIdentifier,
		opaqueAT:    c.AccessTokenType() == op.AccessTokenTypeBearer,
		idTokenAlg:  c.IDTokenAlg(),
		rotation:    c.RotatesRefreshTokens(),
		consent:     c.ConsentRequired,
	}
}
