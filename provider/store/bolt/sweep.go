package bolt

import (
	"bytes"
	"context"
	"time"

	"go.etcd.io/bbolt"
)

// sweepBatch bounds the deletions of one sweep transaction, so the janitor
// never holds the writer lock (and a login) for long.
const sweepBatch = 1000

// Sweep deletes the expired records and sets and returns how many it
// deleted. Expired entries are invisible to reads either way; sweeping
// reclaims their space. It scans in read transactions, which do not block
// writers, and deletes in small write transactions that re-check each
// entry, so a record re-Put since the scan survives.
func (s *Store) Sweep(ctx context.Context) (int, error) {
	var buckets [][]byte
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bbolt.Bucket) error {
			if !bytes.Equal(name, metaBucket) {
				buckets = append(buckets, bytes.Clone(name))
			}
			return nil
		})
	})
	if err != nil {
		return 0, err
	}
	total := 0
	for _, name := range buckets {
		n, err := s.sweepBucket(ctx, name)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// sweepBucket sweeps one bucket batch by batch. In ":sets" only headers are
// candidates (members carry no expiry); deleting a header takes its members.
func (s *Store) sweepBucket(ctx context.Context, name []byte) (int, error) {
	sets := bytes.Equal(name, setsBucket)
	deleted := 0
	var from []byte
	for {
		var batch [][]byte
		var next []byte // where the following batch starts, if any
		err := s.view(ctx, func(tx *bbolt.Tx) error {
			b := tx.Bucket(name)
			if b == nil {
				return nil
			}
			now := s.now().UnixNano()
			c := b.Cursor()
			k, v := c.First()
			if from != nil {
				k, v = c.Seek(from)
			}
			for ; k != nil; k, v = c.Next() {
				if sets && bytes.IndexByte(k, 0) >= 0 {
					continue // a member
				}
				if ok, err := live(v, now); ok || err != nil {
					continue // corrupt records are left for a human to see
				}
				if len(batch) == sweepBatch {
					next = bytes.Clone(k)
					break
				}
				batch = append(batch, bytes.Clone(k))
			}
			return nil
		})
		if err != nil || len(batch) == 0 {
			return deleted, err
		}
		n := 0
		err = s.update(ctx, func(tx *bbolt.Tx, now time.Time) error {
			n = 0
			b := tx.Bucket(name)
			if b == nil {
				return errNoop
			}
			for _, k := range batch {
				rec := b.Get(k)
				if ok, err := live(rec, now.UnixNano()); rec == nil || ok || err != nil {
					continue // gone, re-Put or corrupt since the scan
				}
				var err error
				if sets {
					err = deleteSet(b, k)
				} else {
					err = b.Delete(k)
				}
				if err != nil {
					return unavailable(err)
				}
				n++
			}
			if n == 0 {
				return errNoop
			}
			return nil
		})
		if err != nil {
			return deleted, err
		}
		deleted += n
		if next == nil {
			return deleted, nil
		}
		from = next
	}
}

// janitor sweeps every interval until Close.
func (s *Store) janitor(interval time.Duration) {
	defer close(s.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			n, err := s.Sweep(s.ctx)
			if err != nil && s.ctx.Err() == nil {
				s.log.Error("store: bolt: sweeping expired entries", "err", err, "deleted", n)
			}
		}
	}
}
