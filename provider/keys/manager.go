package keys

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/inkan-id/inkan/provider/store"
)

// Manager reads, caches, creates and rotates the signing keys. It is safe
// for concurrent use, and any number of Managers (in one process or many)
// may share a store.
type Manager struct {
	b    store.Backend
	seal *sealer
	opts Options

	snap   atomic.Pointer[snapshot]
	loadMu sync.Mutex // one reload at a time; the others wait for it
}

// snapshot is one decoded key set with its usable private keys.
type snapshot struct {
	loaded  time.Time
	set     *keySet
	public  map[string]*jose.JSONWebKey // by kid
	signers map[string]crypto.Signer    // by kid; keys that sign now or later
	// opened are the kids whose sealed private key was opened under the
	// master key and found to match the public key: every published one.
	opened map[string]bool
}

// New returns a Manager over b. masterKey must be 32 bytes. New does not
// touch the store; call EnsureKeys at startup.
func New(b store.Backend, masterKey []byte, opts Options) (*Manager, error) {
	if b == nil {
		return nil, errors.New("keys: nil store")
	}
	s, err := newSealer(masterKey)
	if err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	for _, a := range opts.Algorithms {
		if err := checkAlg(a); err != nil {
			return nil, err
		}
	}
	return &Manager{b: b, seal: s, opts: opts}, nil
}

// Signer returns the key that signs tokens with alg now. A supported
// algorithm without any key yet (RS256 the first time a client asks for
// it) gets one, active at once.
func (m *Manager) Signer(ctx context.Context, alg jose.SignatureAlgorithm) (SigningKey, error) {
	if err := checkAlg(alg); err != nil {
		return SigningKey{}, err
	}
	snap, err := m.snapshot(ctx)
	if err != nil {
		return SigningKey{}, err
	}
	now := m.opts.Now()
	if k, ok := snap.signing(alg, now); ok {
		return k, nil
	}
	if err := m.ensure(ctx, []jose.SignatureAlgorithm{alg}); err != nil {
		return SigningKey{}, err
	}
	if k, ok := m.snap.Load().signing(alg, m.opts.Now()); ok {
		return k, nil
	}
	return SigningKey{}, fmt.Errorf("%w for %s", ErrNoKey, alg)
}

// signing finds the active key of alg at now. It does not allocate.
func (s *snapshot) signing(alg jose.SignatureAlgorithm, now time.Time) (SigningKey, bool) {
	if s == nil {
		return SigningKey{}, false
	}
	active, _ := s.set.current(alg, now)
	if active == nil {
		return SigningKey{}, false
	}
	signer, ok := s.signers[active.KID]
	if !ok {
		return SigningKey{}, false
	}
	return SigningKey{kid: active.KID, alg: alg, signer: signer}, true
}

// PublicKeys returns the keys to publish in the JWKS: pending, active and
// retiring ones, each with kid, "use":"sig" and alg.
func (m *Manager) PublicKeys(ctx context.Context) ([]jose.JSONWebKey, error) {
	snap, err := m.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	now := m.opts.Now()
	out := make([]jose.JSONWebKey, 0, len(snap.set.Keys))
	for _, r := range snap.set.Keys {
		if r.published(now) {
			out = append(out, *snap.public[r.KID])
		}
	}
	return out, nil
}

// KeySet is PublicKeys in the form op.Storage.KeySet returns.
func (m *Manager) KeySet(ctx context.Context) ([]op.Key, error) {
	pub, err := m.PublicKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]op.Key, len(pub))
	for i, k := range pub {
		out[i] = publicKey{jwk: k}
	}
	return out, nil
}

// SignatureAlgorithms lists the algorithms that have an active key now, for
// discovery (id_token_signing_alg_values_supported).
func (m *Manager) SignatureAlgorithms(ctx context.Context) ([]jose.SignatureAlgorithm, error) {
	snap, err := m.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	now := m.opts.Now()
	var out []jose.SignatureAlgorithm
	for _, alg := range Supported {
		if _, ok := snap.signing(alg, now); ok {
			out = append(out, alg)
		}
	}
	return out, nil
}

// Info describes one key for operators (inkan keys list).
type Info struct {
	KID        string
	Alg        jose.SignatureAlgorithm
	State      State
	Created    time.Time
	Activate   time.Time
	Deactivate time.Time // zero while it has no successor
	Retire     time.Time // zero while it has no successor
}

// List describes every stored key, expired ones included until Prune.
func (m *Manager) List(ctx context.Context) ([]Info, error) {
	snap, err := m.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	now := m.opts.Now()
	out := make([]Info, len(snap.set.Keys))
	for i, r := range snap.set.Keys {
		out[i] = Info{KID: r.KID, Alg: r.Alg, State: r.stateAt(now), Created: r.Created,
			Activate: r.Activate, Deactivate: r.Deactivate, Retire: r.Retire}
	}
	return out, nil
}

// minReload bounds how often FreshPublicKeys goes to the store.
const minReload = time.Second

// FreshPublicKeys is PublicKeys read from the store unless the cached set
// is less than a second old. The key set endpoint and the check of a
// token whose kid the cached set lacks use it: the key may be one another
// instance made a moment ago (a first client asking for RS256, say), which
// a relying party refetching the key set must find whichever instance it
// reaches.
func (m *Manager) FreshPublicKeys(ctx context.Context) ([]jose.JSONWebKey, error) {
	m.loadMu.Lock()
	s := m.snap.Load()
	var err error
	if s == nil || m.opts.Now().Sub(s.loaded) >= minReload {
		_, err = m.loadLocked(ctx)
	}
	m.loadMu.Unlock()
	if err != nil {
		return nil, err
	}
	return m.PublicKeys(ctx)
}

// snapshot returns the cached key set, reading the store when the cache is
// older than CacheTTL.
func (m *Manager) snapshot(ctx context.Context) (*snapshot, error) {
	if s := m.snap.Load(); s != nil && m.fresh(s) {
		return s, nil
	}
	m.loadMu.Lock()
	defer m.loadMu.Unlock()
	if s := m.snap.Load(); s != nil && m.fresh(s) {
		return s, nil // another caller reloaded while we waited
	}
	return m.loadLocked(ctx)
}

// loadLocked reads the key set from the store and installs it; the caller
// holds loadMu.
func (m *Manager) loadLocked(ctx context.Context) (*snapshot, error) {
	b, err := m.b.Get(ctx, namespace, setKey)
	if errors.Is(err, store.ErrNotFound) {
		b = nil
	} else if err != nil {
		return nil, fmt.Errorf("keys: reading key set: %w", err)
	}
	return m.install(b)
}

func (m *Manager) fresh(s *snapshot) bool {
	return m.opts.CacheTTL > 0 && m.opts.Now().Sub(s.loaded) < m.opts.CacheTTL
}

// install decodes b (nil: no set stored yet), opens the private key of
// every published key (keeping those that sign now or later), and makes it
// the cached snapshot. Keys already opened by the previous snapshot are
// not opened again: a kid names one immutable key.
func (m *Manager) install(b []byte) (*snapshot, error) {
	set := &keySet{Version: formatVersion}
	if b != nil {
		var err error
		if set, err = decodeSet(b); err != nil {
			return nil, err
		}
	}
	now := m.opts.Now()
	prev := m.snap.Load()
	s := &snapshot{
		loaded:  now,
		set:     set,
		public:  make(map[string]*jose.JSONWebKey, len(set.Keys)),
		signers: make(map[string]crypto.Signer, len(set.Keys)),
		opened:  make(map[string]bool, len(set.Keys)),
	}
	for _, r := range set.Keys {
		pub := new(jose.JSONWebKey)
		if err := json.Unmarshal(r.Public, pub); err != nil || pub.KeyID != r.KID || !pub.IsPublic() {
			return nil, fmt.Errorf("%w: public key of %s", ErrCorrupt, r.KID)
		}
		s.public[r.KID] = pub
		if !r.published(now) {
			continue // neither signs nor verifies any more
		}
		signs := r.stateAt(now) == StatePending || r.stateAt(now) == StateActive
		if prev != nil && prev.opened[r.KID] {
			s.opened[r.KID] = true
			if signer, ok := prev.signers[r.KID]; ok && signs {
				s.signers[r.KID] = signer
			}
			if !signs || s.signers[r.KID] != nil {
				continue
			}
		}
		// Every published key is opened once, retiring ones too: a key
		// published here is one sealed under this master key, never a
		// public key someone with write access to the store added.
		signer, err := unseal(m.seal, r, pub)
		if err != nil {
			return nil, err
		}
		s.opened[r.KID] = true
		if signs {
			s.signers[r.KID] = signer
		}
		// A retiring key never signs again: it is not held decrypted.
	}
	m.snap.Store(s)
	return s, nil
}
