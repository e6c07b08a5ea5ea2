package redis

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/inkan-id/inkan/provider/store"
)

// Put implements store.Backend with one SET [PX].
func (s *Store) Put(ctx context.Context, ns, key string, val []byte, ttl time.Duration) error {
	if err := s.checkWrite(ctx, ns, key, val, ttl); err != nil {
		return err
	}
	return s.fail(ctx, s.c.Set(ctx, s.recordKey(ns, key), val, roundTTL(ttl)).Err())
}

// Create implements store.Backend with one SET NX [PX]; Redis drops
// expired keys before NX looks, so an expired record counts as absent.
func (s *Store) Create(ctx context.Context, ns, key string, val []byte, ttl time.Duration) error {
	if err := s.checkWrite(ctx, ns, key, val, ttl); err != nil {
		return err
	}
	ok, err := s.c.SetNX(ctx, s.recordKey(ns, key), val, roundTTL(ttl)).Result()
	switch {
	case err != nil:
		return s.fail(ctx, err)
	case !ok:
		return store.ErrExists
	}
	return nil
}

// Get implements store.Backend with one GET.
func (s *Store) Get(ctx context.Context, ns, key string) ([]byte, error) {
	if err := s.checkKey(ctx, ns, key); err != nil {
		return nil, err
	}
	return s.value(ctx, s.c.Get(ctx, s.recordKey(ns, key)))
}

// GetMany implements store.MultiGetter with one pipeline of GETs, one
// round trip (on a Cluster, go-redis sends one pipeline per node, in
// parallel).
func (s *Store) GetMany(ctx context.Context, keys []store.Key) ([][]byte, error) {
	for _, k := range keys {
		if err := store.ValidateKey(k.NS, k.Key); err != nil {
			return nil, err
		}
	}
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return [][]byte{}, nil
	}
	cmds := make([]*goredis.StringCmd, len(keys))
	_, err := s.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Get(ctx, s.recordKey(k.NS, k.Key))
		}
		return nil
	})
	// The pipeline's error is its first command's; a GET of an absent key
	// answers goredis.Nil, which is no failure here. Anything else fails
	// the whole call, even if some GETs got their answer.
	if err != nil && !errors.Is(err, goredis.Nil) {
		return nil, s.fail(ctx, err)
	}
	out := make([][]byte, len(keys))
	for i, cmd := range cmds {
		v, err := cmd.Bytes()
		switch {
		case errors.Is(err, goredis.Nil):
			// out[i] stays nil
		case err != nil:
			return nil, s.fail(ctx, err)
		case v == nil:
			out[i] = []byte{} // present but empty: not to be taken for absent
		default:
			out[i] = v
		}
	}
	return out, nil
}

// Take implements store.Backend with one GETDEL (Redis >= 6.2), which is
// atomic on the server: exactly one of concurrent Takes sees the value.
func (s *Store) Take(ctx context.Context, ns, key string) ([]byte, error) {
	if err := s.checkKey(ctx, ns, key); err != nil {
		return nil, err
	}
	return s.value(ctx, s.c.GetDel(ctx, s.recordKey(ns, key)))
}

// Delete implements store.Backend with one DEL.
func (s *Store) Delete(ctx context.Context, ns, key string) error {
	if err := s.checkKey(ctx, ns, key); err != nil {
		return err
	}
	return s.fail(ctx, s.c.Del(ctx, s.recordKey(ns, key)).Err())
}

// Update implements store.Backend as optimistic compare-and-set: GET the
// value, run fn without holding anything on the server, then let casScript
// write the result only if the value is still the one fn saw (SET KEEPTTL
// keeps the remaining TTL). Against WATCH/MULTI/EXEC this saves a round
// trip (2 instead of 3), needs no connection pinned to the caller, and has
// the same semantics: a conflict means fn runs again on the newer value.
//
// The comparison is by value: if a record changed and changed back to the
// same bytes in between, the swap goes ahead, which is indistinguishable
// from fn having run after the second change.
func (s *Store) Update(ctx context.Context, ns, key string, fn func(old []byte) ([]byte, error)) error {
	if err := store.ValidateUpdate(ns, key, fn); err != nil {
		return err
	}
	if err := s.ready(ctx); err != nil {
		return err
	}
	k := s.recordKey(ns, key)
	keys := []string{k}
	for attempt := 0; ; attempt++ {
		// Kept as a string (immutable): fn gets its own copy and whatever fn
		// does to it cannot change what the script compares against.
		cur, err := s.c.Get(ctx, k).Result()
		if errors.Is(err, goredis.Nil) {
			return store.ErrNotFound
		}
		if err != nil {
			return s.fail(ctx, err)
		}
		nv, err := fn([]byte(cur))
		if err != nil {
			return err
		}
		if err := store.ValidateValue(nv); err != nil {
			return err
		}
		res, err := casScript.Run(ctx, s.c, keys, cur, nv).Int64()
		if err != nil {
			return s.fail(ctx, err)
		}
		switch res {
		case casDone:
			return nil
		case casGone:
			return store.ErrNotFound
		}
		if err := backoff(ctx, attempt); err != nil {
			return err
		}
	}
}

// backoff spreads out the retries of Updates that keep colliding, so that
// contenders on one hot record do not retry in lockstep. The first retry is
// immediate: a single collision is the common case.
func backoff(ctx context.Context, attempt int) error {
	if attempt == 0 {
		return nil
	}
	limit := time.Duration(1<<min(attempt, 6)) * 100 * time.Microsecond // up to 6.4 ms
	t := time.NewTimer(rand.N(limit))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// value turns a string reply into a caller-owned value; nil is ErrNotFound.
func (s *Store) value(ctx context.Context, cmd *goredis.StringCmd) ([]byte, error) {
	v, err := cmd.Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return v, nil
}

func (s *Store) checkKey(ctx context.Context, ns, key string) error {
	if err := store.ValidateKey(ns, key); err != nil {
		return err
	}
	return s.ready(ctx)
}

func (s *Store) checkWrite(ctx context.Context, ns, key string, val []byte, ttl time.Duration) error {
	if err := store.ValidateKey(ns, key); err != nil {
		return err
	}
	if err := store.ValidateValue(val); err != nil {
		return err
	}
	if err := store.ValidateTTL(ttl); err != nil {
		return err
	}
	return s.ready(ctx)
}

// roundTTL rounds a TTL up to whole milliseconds, Redis's resolution, so a
// record never expires before its TTL and a sub-millisecond TTL does not
// become "no expiry".
func roundTTL(ttl time.Duration) time.Duration {
	if r := ttl % time.Millisecond; r != 0 {
		if ttl > math.MaxInt64-time.Millisecond {
			// Rounding up would overflow to a negative TTL, which deletes;
			// 292 years less a fraction of a millisecond is as long.
			return ttl - r
		}
		ttl += time.Millisecond - r
	}
	return ttl
}

// ttlMillis is roundTTL in whole milliseconds, for scripts.
func ttlMillis(ttl time.Duration) int64 { return int64(roundTTL(ttl) / time.Millisecond) }
