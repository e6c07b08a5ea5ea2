package bolt

import (
	"context"
	"time"

	"go.etcd.io/bbolt"

	"github.com/inkan-id/inkan/provider/store"
)

// Put implements store.Backend.
func (s *Store) Put(ctx context.Context, ns, key string, val []byte, ttl time.Duration) error {
	if err := checkWrite(ns, key, val, ttl); err != nil {
		return err
	}
	rec := encode(expiresAt(s.now(), ttl), val)
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(ns))
		if err != nil {
			return unavailable(err)
		}
		return putErr(b.Put([]byte(key), rec))
	})
}

// Create implements store.Backend.
func (s *Store) Create(ctx context.Context, ns, key string, val []byte, ttl time.Duration) error {
	if err := checkWrite(ns, key, val, ttl); err != nil {
		return err
	}
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(ns))
		if err != nil {
			return unavailable(err)
		}
		// The clock is read under the writer lock, so the expiry check and
		// the insert see the same instant.
		now := s.now()
		ok, err := live(b.Get([]byte(key)), now.UnixNano())
		switch {
		case err != nil:
			return err
		case ok:
			return store.ErrExists
		}
		return putErr(b.Put([]byte(key), encode(expiresAt(now, ttl), val)))
	})
}

// Get implements store.Backend.
func (s *Store) Get(ctx context.Context, ns, key string) ([]byte, error) {
	if err := store.ValidateKey(ns, key); err != nil {
		return nil, err
	}
	var out []byte
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		rec, err := s.lookup(tx, ns, key)
		if err == nil {
			out = value(rec)
		}
		return err
	})
	return out, err
}

// Take implements store.Backend. bbolt runs one writer at a time, so the
// read and the delete cannot interleave with another Take.
func (s *Store) Take(ctx context.Context, ns, key string) ([]byte, error) {
	if err := store.ValidateKey(ns, key); err != nil {
		return nil, err
	}
	var out []byte
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		rec, err := s.lookup(tx, ns, key)
		if err != nil {
			return err // also rolls back: a miss costs no fsync
		}
		out = value(rec)
		return putErr(tx.Bucket([]byte(ns)).Delete([]byte(key)))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Update implements store.Backend. fn runs inside the write transaction, so
// it is called exactly once and never conflicts, but it holds up every other
// writer while it runs: keep it to decoding and encoding the record.
func (s *Store) Update(ctx context.Context, ns, key string, fn func(old []byte) ([]byte, error)) error {
	if err := store.ValidateUpdate(ns, key, fn); err != nil {
		return err
	}
	return s.update(ctx, func(tx *bbolt.Tx) error {
		rec, err := s.lookup(tx, ns, key)
		if err != nil {
			return err
		}
		nv, err := fn(value(rec))
		if err != nil {
			return err
		}
		if err := store.ValidateValue(nv); err != nil {
			return err
		}
		return putErr(tx.Bucket([]byte(ns)).Put([]byte(key), encode(expiry(rec), nv)))
	})
}

// Delete implements store.Backend.
func (s *Store) Delete(ctx context.Context, ns, key string) error {
	if err := store.ValidateKey(ns, key); err != nil {
		return err
	}
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(ns))
		if b == nil || b.Get([]byte(key)) == nil {
			return errNoop
		}
		return putErr(b.Delete([]byte(key)))
	})
}

// lookup returns the live record under ns/key, still pointing into bbolt's
// memory, or store.ErrNotFound.
func (s *Store) lookup(tx *bbolt.Tx, ns, key string) ([]byte, error) {
	b := tx.Bucket([]byte(ns))
	if b == nil {
		return nil, store.ErrNotFound
	}
	rec := b.Get([]byte(key))
	ok, err := live(rec, s.now().UnixNano())
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return nil, store.ErrNotFound
	}
	return rec, nil
}

func checkWrite(ns, key string, val []byte, ttl time.Duration) error {
	if err := store.ValidateKey(ns, key); err != nil {
		return err
	}
	if err := store.ValidateValue(val); err != nil {
		return err
	}
	return store.ValidateTTL(ttl)
}

// putErr wraps an error of a bucket write; nil stays nil.
func putErr(err error) error {
	if err != nil {
		return unavailable(err)
	}
	return nil
}
