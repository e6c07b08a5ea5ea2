package keys

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/inkan-id/inkan/provider/store"
)

// errNoChange aborts an Update whose fn found nothing to do.
var errNoChange = errors.New("no change")

// EnsureKeys gives every algorithm in Options.Algorithms an active key if it
// has neither an active nor a pending one. Run it at startup; any number of
// instances may run it at once and exactly one key per algorithm results.
// It also opens the stored keys, so a wrong master key fails here, at
// startup, rather than at the first login.
func (m *Manager) EnsureKeys(ctx context.Context) error {
	if err := m.ensure(ctx, m.opts.Algorithms); err != nil {
		return err
	}
	_, err := m.snapshot(ctx)
	return err
}

// ensure adds an immediately active key for each of algs that lacks one.
// A bootstrap key signs at once: there is no older key to sign meanwhile,
// and no relying party can have cached a JWKS without it and with another
// key of this algorithm.
func (m *Manager) ensure(ctx context.Context, algs []jose.SignatureAlgorithm) error {
	snap, err := m.snapshot(ctx)
	if err != nil {
		return err
	}
	// Generate outside the compare-and-swap: fn may run several times and
	// RSA generation is slow. Keys that lose the race are discarded.
	now := m.opts.Now()
	fresh := map[jose.SignatureAlgorithm]*record{}
	for _, alg := range algs {
		if err := checkAlg(alg); err != nil {
			return err
		}
		if a, p := snap.set.current(alg, now); a == nil && p == nil {
			r, err := newRecord(m.seal, alg)
			if err != nil {
				return err
			}
			fresh[alg] = r
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	return m.modify(ctx, func(set *keySet, now time.Time) (bool, error) {
		changed := false
		for _, alg := range algs {
			r := fresh[alg]
			if r == nil {
				continue
			}
			if a, p := set.current(alg, now); a != nil || p != nil {
				continue // another instance got there first
			}
			k := *r
			k.Created, k.Activate = now, now
			set.Keys = append(set.Keys, &k)
			changed = true
		}
		return changed, nil
	})
}

// Rotate starts replacing the active key of alg: a new key is published now
// and signs from PublishDelay on; at that instant the old key stops signing
// and becomes retiring until MaxTokenTTL later. It returns the new key's id.
//
// If a rotation of alg is already pending, Rotate returns that key's id and
// adds nothing, so instances that rotate on the same schedule produce one
// new key, not one each. Without any key of alg, the new key signs at once.
func (m *Manager) Rotate(ctx context.Context, alg jose.SignatureAlgorithm) (string, error) {
	r, err := newRecord(m.seal, alg)
	if err != nil {
		return "", err
	}
	var kid string
	err = m.modify(ctx, func(set *keySet, now time.Time) (bool, error) {
		active, pending := set.current(alg, now)
		if pending != nil {
			kid = pending.KID
			return false, nil
		}
		k := *r
		k.Created, k.Activate = now, now
		if active != nil {
			k.Activate = now.Add(m.opts.PublishDelay)
			active.Deactivate = k.Activate
			active.Retire = k.Activate.Add(m.opts.MaxTokenTTL)
		}
		set.Keys = append(set.Keys, &k)
		kid = k.KID
		return true, nil
	})
	if err != nil {
		return "", err
	}
	return kid, nil
}

// Prune deletes keys whose retire time has passed and returns how many it
// deleted. They are already absent from PublicKeys; pruning keeps the
// stored set small.
func (m *Manager) Prune(ctx context.Context) (int, error) {
	var n int
	err := m.modify(ctx, func(set *keySet, now time.Time) (bool, error) {
		n = set.dropExpired(now)
		return n > 0, nil
	})
	return n, err
}

// modify applies fn to the stored key set with compare-and-swap, creating
// the set if none is stored, and installs the result as the cached
// snapshot. fn reports whether it changed anything; it may run several
// times and must depend only on its arguments.
func (m *Manager) modify(ctx context.Context, fn func(set *keySet, now time.Time) (bool, error)) error {
	apply := func(old []byte) ([]byte, error) {
		set := &keySet{Version: formatVersion}
		if old != nil {
			var err error
			if set, err = decodeSet(old); err != nil {
				return nil, err
			}
		}
		now := m.opts.Now()
		changed, err := fn(set, now)
		if err != nil {
			return nil, err
		}
		if !changed {
			return nil, errNoChange
		}
		return set.encode(now)
	}
	var latest []byte // what is stored once modify returns
	for attempt := 0; ; attempt++ {
		err := m.b.Update(ctx, namespace, setKey, func(old []byte) ([]byte, error) {
			b, err := apply(old)
			switch {
			case err == nil:
				latest = b
			case errors.Is(err, errNoChange):
				latest = slices.Clone(old)
			}
			return b, err
		})
		if !errors.Is(err, store.ErrNotFound) {
			if err != nil && !errors.Is(err, errNoChange) {
				return fmt.Errorf("keys: updating key set: %w", err)
			}
			return m.installLocked(latest)
		}
		// No set stored yet: create it. If another instance creates it
		// first, go round again and apply fn to theirs.
		b, err := apply(nil)
		if errors.Is(err, errNoChange) {
			return nil
		}
		if err != nil {
			return err
		}
		err = m.b.Create(ctx, namespace, setKey, b, 0)
		if err == nil {
			return m.installLocked(b)
		}
		if !errors.Is(err, store.ErrExists) || attempt > 3 {
			return fmt.Errorf("keys: creating key set: %w", err)
		}
	}
}

// installLocked installs b under loadMu, so that a reload that read the
// store before this write cannot install its older view after ours.
func (m *Manager) installLocked(b []byte) error {
	m.loadMu.Lock()
	defer m.loadMu.Unlock()
	_, err := m.install(b)
	return err
}
