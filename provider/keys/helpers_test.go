package keys

import (
	"bytes"
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inkan-id/inkan/provider/store"
	"github.com/inkan-id/inkan/provider/store/bolt"
)

// clock is a settable clock shared by the Managers of one test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// counting wraps a real backend and counts reads, to prove the cache works.
type counting struct {
	store.Backend
	gets atomic.Int64
}

func (c *counting) Get(ctx context.Context, ns, key string) ([]byte, error) {
	c.gets.Add(1)
	return c.Backend.Get(ctx, ns, key)
}

func openStore(t testing.TB) *bolt.Store {
	t.Helper()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "inkan.db"), &bolt.Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var (
	masterA = bytes.Repeat([]byte{0xA1}, 32)
	masterB = bytes.Repeat([]byte{0xB2}, 32)
)

func newManager(t testing.TB, b store.Backend, key []byte, opts Options) *Manager {
	t.Helper()
	m, err := New(b, key, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
