package clients

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/inkan-id/inkan/provider/clients/clientmeta"
	"github.com/inkan-id/inkan/provider/store"
)

// namespace is the store namespace of dynamic clients.
const namespace = "client"

// Registry finds and authenticates clients. It is safe for concurrent use.
type Registry struct {
	b          store.Backend
	static     map[string]*Client
	idTokenTTL time.Duration
	now        func() time.Time
	secrets    *secretChecker
}

// Option configures a Registry.
type Option func(*Registry)

// WithIDTokenLifetime sets what Client.IDTokenLifetime returns
// (tokens.id_token_ttl).
func WithIDTokenLifetime(d time.Duration) Option {
	return func(r *Registry) { r.idTokenTTL = d }
}

// WithClock sets the clock used for registration times; default time.Now.
func WithClock(now func() time.Time) Option {
	return func(r *Registry) { r.now = now }
}

// New returns a Registry over the static clients (from FromConfig, whose ids
// are unique; of duplicates the first wins) and the dynamic clients in b.
func New(b store.Backend, static []*Client, opts ...Option) *Registry {
	r := &Registry{b: b, static: make(map[string]*Client, len(static)), now: time.Now, secrets: newSecretChecker()}
	for _, o := range opts {
		o(r)
	}
	for _, c := range static {
		if _, dup := r.static[c.ID]; dup {
			continue
		}
		cp := *c
		cp.idTokenLifetime = r.idTokenTTL
		r.static[c.ID] = &cp
	}
	return r
}

// record is the stored form of a dynamic client.
type record struct {
	Client Metadata `json:"client"`
	// RATHash is the hash of the registration access token (RFC 7592),
	// in the "sha256:" form.
	RATHash string `json:"rat_hash"`
}

// Get returns the client with id: a static one, else a dynamic one from the
// store. An unknown id yields a *NotFoundError (errors.Is ErrNotFound).
func (r *Registry) Get(ctx context.Context, id string) (*Client, error) {
	c, _, err := r.get(ctx, id)
	return c, err
}

func (r *Registry) get(ctx context.Context, id string) (*Client, *record, error) {
	if c, ok := r.static[id]; ok {
		return c, nil, nil
	}
	// An id that could never have been issued is not looked up: it may be
	// attacker-chosen bytes that the store would refuse anyway.
	if clientmeta.CheckID(id) != nil {
		return nil, nil, &NotFoundError{ID: id}
	}
	b, err := r.b.Get(ctx, namespace, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, &NotFoundError{ID: id}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("clients: reading client: %w", err)
	}
	var rec record
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, nil, fmt.Errorf("clients: stored client %s is corrupt: %w", id, err)
	}
	return &Client{Metadata: rec.Client, idTokenLifetime: r.idTokenTTL}, &rec, nil
}

// dummyHash is checked against when the client is unknown, so that an
// unknown id costs about what a wrong secret does.
var dummyHash = clientmeta.HashSecret("inkan: no such client")

// AuthenticateSecret returns the client if secret is its secret
// (client_secret_basic or client_secret_post). Every failure that is the
// caller's fault returns ErrAuthFailed; only store failures, and ErrBusy
// or the context's error while waiting for a bcrypt slot, differ. The
// comparison takes constant time for a given hash form; a bcrypt match
// is remembered (secretChecker).
func (r *Registry) AuthenticateSecret(ctx context.Context, id, secret string) (*Client, error) {
	c, err := r.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		clientmeta.VerifySecret(dummyHash, secret)
		return nil, ErrAuthFailed
	}
	if err != nil {
		return nil, err
	}
	ok, err := r.secrets.check(ctx, c.SecretHash, secret) // runs even when it cannot match
	if err != nil {
		return nil, err
	}
	if !ok || c.SecretHash == "" || !clientmeta.UsesSecret(string(c.Metadata.AuthMethod)) {
		return nil, ErrAuthFailed
	}
	return c, nil
}

// PublicKey returns the client's public key with kid, for private_key_jwt
// assertions (op.Storage.GetKeyByIDAndClientID). An empty kid matches the
// client's only key, if it has exactly one.
func (r *Registry) PublicKey(ctx context.Context, clientID, kid string) (*jose.JSONWebKey, error) {
	c, err := r.Get(ctx, clientID)
	if err != nil {
		return nil, err
	}
	if c.JWKS == nil {
		return nil, ErrKeyNotFound
	}
	if kid == "" {
		if len(c.JWKS.Keys) == 1 {
			k := c.JWKS.Keys[0]
			return &k, nil
		}
		return nil, ErrKeyNotFound
	}
	for _, k := range c.JWKS.Keys {
		if k.KeyID == kid {
			return &k, nil
		}
	}
	return nil, ErrKeyNotFound
}
