package bolt

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func openAt(t *testing.T, clk *fakeClock, interval time.Duration) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "inkan.db"), &Options{Now: clk.Now, SweepInterval: interval})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// rawCount counts the stored keys of a bucket, expired or not.
func rawCount(t *testing.T, s *Store, bucket string) int {
	t.Helper()
	n := 0
	err := s.db.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket([]byte(bucket)); b != nil {
			n = b.Stats().KeyN
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSweep(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_900_000_000, 0)}
	s := openAt(t, clk, -1)
	ctx := t.Context()

	// More expired records than one sweep batch, written in one transaction
	// to keep the test fast.
	const expired = 2*sweepBatch + 17
	exp := expiresAt(clk.Now(), time.Minute)
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("code"))
		if err != nil {
			return err
		}
		for i := range expired {
			if err := b.Put(fmt.Appendf(nil, "c%05d", i), encode(exp, []byte("x"))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		s.Put(ctx, "code", "live", []byte("x"), time.Hour),
		s.Put(ctx, "acct", "a", []byte("x"), 0),
		s.AddMember(ctx, "fam", "dead", "m1", time.Minute),
		s.AddMember(ctx, "fam", "dead", "m2", time.Minute),
		s.AddMember(ctx, "fam", "live", "m1", time.Hour),
		s.AddMember(ctx, "fam", "forever", "m1", 0),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}

	n, err := s.Sweep(ctx)
	if err != nil || n != 0 {
		t.Fatalf("Sweep before expiry = %d, %v; want 0", n, err)
	}
	clk.Advance(2 * time.Minute)
	n, err = s.Sweep(ctx)
	if err != nil || n != expired+1 {
		t.Fatalf("Sweep = %d, %v; want %d (records and one set)", n, err, expired+1)
	}
	if got := rawCount(t, s, "code"); got != 1 {
		t.Errorf("code bucket holds %d keys after sweep, want 1", got)
	}
	if got := rawCount(t, s, "acct"); got != 1 {
		t.Errorf("acct bucket holds %d keys after sweep, want 1", got)
	}
	// Two live sets: a header and one member each.
	if got := rawCount(t, s, ":sets"); got != 4 {
		t.Errorf(":sets holds %d keys after sweep, want 4", got)
	}
	if n, err := s.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("second Sweep = %d, %v; want 0", n, err)
	}
	if m, err := s.Members(ctx, "fam", "live"); err != nil || len(m) != 1 {
		t.Fatalf("live set after sweep: %q, %v", m, err)
	}
}

func TestJanitor(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_900_000_000, 0)}
	s := openAt(t, clk, 5*time.Millisecond)
	ctx := t.Context()
	if err := s.Put(ctx, "code", "c", []byte("x"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.AddMember(ctx, "fam", "f", "m", time.Minute); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	deadline := time.Now().Add(10 * time.Second)
	for rawCount(t, s, "code")+rawCount(t, s, ":sets") != 0 {
		if time.Now().After(deadline) {
			t.Fatal("janitor did not sweep expired entries")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
