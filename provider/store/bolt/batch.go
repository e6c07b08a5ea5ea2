package bolt

import (
	"bytes"
	"context"
	"errors"
	"time"

	"go.etcd.io/bbolt"

	"github.com/inkan-id/inkan/provider/store"
)

var (
	_ store.Swapper     = (*Store)(nil)
	_ store.Batcher     = (*Store)(nil)
	_ store.MultiGetter = (*Store)(nil)
)

// Swap implements store.Swapper in one write transaction, like Update.
func (s *Store) Swap(ctx context.Context, ns, key string, old, val []byte) error {
	if err := checkWrite(ns, key, val, 0); err != nil {
		return err
	}
	if err := store.ValidateValue(old); err != nil {
		return err
	}
	return s.update(ctx, func(tx *bbolt.Tx, now time.Time) error {
		return swap(tx, now, ns, key, old, val)
	})
}

// swap replaces the value under ns/key, keeping its expiry, if it is old.
func swap(tx *bbolt.Tx, now time.Time, ns, key string, old, val []byte) error {
	rec, err := lookup(tx, ns, key, now.UnixNano())
	if err != nil {
		return err
	}
	if !bytes.Equal(rec[headerLen:], old) {
		return store.ErrConflict
	}
	return putErr(tx.Bucket([]byte(ns)).Put([]byte(key), encode(expiry(rec), val)))
}

// deleteIf deletes ns/key if it holds old.
func deleteIf(tx *bbolt.Tx, now time.Time, ns, key string, old []byte) error {
	rec, err := lookup(tx, ns, key, now.UnixNano())
	if err != nil {
		return err
	}
	if !bytes.Equal(rec[headerLen:], old) {
		return store.ErrConflict
	}
	return putErr(tx.Bucket([]byte(ns)).Delete([]byte(key)))
}

// Batch implements store.Batcher: all ops in one body of a group-committed
// transaction, so they share one fsync and a failing op (a Create finding
// its key taken, a Swap or DeleteIf its record absent or changed) leaves
// the whole body out of the commit (group.go).
func (s *Store) Batch(ctx context.Context, ops []store.Op) error {
	for i := range ops {
		if err := ops[i].Validate(); err != nil {
			return err
		}
	}
	if len(ops) == 0 {
		return s.ready(ctx)
	}
	now := s.now()
	recs := make([][]byte, len(ops))
	for i, op := range ops {
		if op.Kind == store.OpPut {
			// As Put: the expiry counts from the call, not the commit.
			recs[i] = encode(expiresAt(now, op.TTL), op.Value)
		}
	}
	return s.update(ctx, func(tx *bbolt.Tx, now time.Time) error {
		changed := false
		for i, op := range ops {
			var err error
			switch op.Kind {
			case store.OpPut:
				err = putRec(tx, op.NS, op.Key, recs[i])
			case store.OpCreate:
				err = create(tx, now, op.NS, op.Key, op.Value, op.TTL)
			case store.OpDelete:
				err = del(tx, op.NS, op.Key)
			case store.OpAddMember:
				err = addMember(tx, now, op.NS, op.Key, op.Member, op.TTL)
			case store.OpSwap:
				err = swap(tx, now, op.NS, op.Key, op.Old, op.Value)
			case store.OpDeleteIf:
				err = deleteIf(tx, now, op.NS, op.Key, op.Old)
			}
			switch {
			case errors.Is(err, errNoop):
			case err != nil:
				return err
			default:
				changed = true
			}
		}
		if !changed {
			return errNoop
		}
		return nil
	})
}
