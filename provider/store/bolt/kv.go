package bolt

import (
	"context"
	"errors"
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
	return s.update(ctx, func(tx *bbolt.Tx, _ time.Time) error {
		return putRec(tx, ns, key, rec)
	})
}

// putRec stores an encoded record.
func putRec(tx *bbolt.Tx, ns, key string, rec []byte) error {
	b, err := tx.CreateBucketIfNotExists([]byte(ns))
	if err != nil {
		return unavailable(err)
	}
	return putErr(b.Put([]byte(key), rec))
}

// Create implements store.Backend.
func (s *Store) Create(ctx context.Context, ns, key string, val []byte, ttl time.Duration) error {
	if err := checkWrite(ns, key, val, ttl); err != nil {
		return err
	}
	return s.update(ctx, func(tx *bbolt.Tx, now time.Time) error {
		return create(tx, now, ns, key, val, ttl)
	})
}

func create(tx *bbolt.Tx, now time.Time, ns, key string, val []byte, ttl time.Duration) error {
	b, err := tx.CreateBucketIfNotExists([]byte(ns))
	if err != nil {
		return unavailable(err)
	}
	// The expiry check and the insert see the same instant, taken
	// under the writer lock.
	ok, err := live(b.Get([]byte(key)), now.UnixNano())
	switch {
	case err != nil:
		return err
	case ok:
		return store.ErrExists
	}
	return putErr(b.Put([]byte(key), encode(expiresAt(now, ttl), val)))
}

// Get implements store.Backend.
func (s *Store) Get(ctx context.Context, ns, key string) ([]byte, error) {
	if err := store.ValidateKey(ns, key); err != nil {
		return nil, err
	}
	var out []byte
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		rec, err := lookup(tx, ns, key, s.now().UnixNano())
		if err == nil {
			out = value(rec)
		}
		return err
	})
	return out, err
}

// GetMany implements store.MultiGetter in one read transaction: the
// values are one snapshot, and expiry is judged at one instant for all.
func (s *Store) GetMany(ctx context.Context, keys []store.Key) ([][]byte, error) {
	for _, k := range keys {
		if err := store.ValidateKey(k.NS, k.Key); err != nil {
			return nil, err
		}
	}
	if len(keys) == 0 {
		if err := s.ready(ctx); err != nil {
			return nil, err
		}
		return [][]byte{}, nil
	}
	var out [][]byte
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		out = make([][]byte, len(keys))
		now := s.now().UnixNano()
		for i, k := range keys {
			rec, err := lookup(tx, k.NS, k.Key, now)
			switch {
			case errors.Is(err, store.ErrNotFound):
				// out[i] stays nil
			case err != nil:
				return err
			default:
				out[i] = value(rec) // never nil, even for an empty value
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Take implements store.Backend. bbolt runs one writer at a time, so the
// read and the delete cannot interleave with another Take.
func (s *Store) Take(ctx context.Context, ns, key string) ([]byte, error) {
	if err := store.ValidateKey(ns, key); err != nil {
		return nil, err
	}
	var out []byte
	err := s.update(ctx, func(tx *bbolt.Tx, now time.Time) error {
		rec, err := lookup(tx, ns, key, now.UnixNano())
		if err != nil {
			return err // left out of the commit: a lone miss costs no fsync
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
// it never conflicts, but it holds up every other writer while it runs: keep
// it to decoding and encoding the record. It usually runs once; it runs again,
// with the same old value, when a write grouped before it in the same
// transaction fails and the group is replayed without that write.
func (s *Store) Update(ctx context.Context, ns, key string, fn func(old []byte) ([]byte, error)) error {
	if err := store.ValidateUpdate(ns, key, fn); err != nil {
		return err
	}
	return s.update(ctx, func(tx *bbolt.Tx, now time.Time) error {
		rec, err := lookup(tx, ns, key, now.UnixNano())
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
	return s.update(ctx, func(tx *bbolt.Tx, _ time.Time) error {
		return del(tx, ns, key)
	})
}

// del deletes ns/key, or returns errNoop if it is not there.
func del(tx *bbolt.Tx, ns, key string) error {
	b := tx.Bucket([]byte(ns))
	if b == nil || b.Get([]byte(key)) == nil {
		return errNoop
	}
	return putErr(b.Delete([]byte(key)))
}

// lookup returns the record under ns/key that is live at now (Unix
// nanoseconds), still pointing into bbolt's memory, or store.ErrNotFound.
func lookup(tx *bbolt.Tx, ns, key string, now int64) ([]byte, error) {
	b := tx.Bucket([]byte(ns))
	if b == nil {
		return nil, store.ErrNotFound
	}
	rec := b.Get([]byte(key))
	ok, err := live(rec, now)
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
