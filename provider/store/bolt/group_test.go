package bolt

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/inkan-id/inkan/provider/store"
)

// commits records the commits of a Store through its test hook and can hold
// the first one after it is durable, as a slow fsync would, so that writers
// pile up in the queue behind it.
type commits struct {
	s       *Store
	hold    chan struct{} // closed by release
	held    chan struct{} // closed once the first commit is being held
	holding atomic.Bool

	mu    sync.Mutex
	sizes []int // writes per commit, in order
}

// watchCommits installs the hook on s, which must not be in use yet. If hold,
// the first commit waits for release.
func watchCommits(t *testing.T, s *Store, hold bool) *commits {
	c := &commits{s: s, hold: make(chan struct{}), held: make(chan struct{})}
	c.holding.Store(hold)
	s.testHookCommit = func(writes int) {
		c.mu.Lock()
		c.sizes = append(c.sizes, writes)
		c.mu.Unlock()
		if c.holding.CompareAndSwap(true, false) {
			close(c.held)
			<-c.hold
		}
	}
	t.Cleanup(c.release) // never leave a leader stuck
	return c
}

func (c *commits) release() {
	select {
	case <-c.hold:
	default:
		close(c.hold)
	}
}

func (c *commits) Sizes() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sizes)
}

// waitHeld waits until the first commit is durable and held.
func (c *commits) waitHeld(t *testing.T) {
	t.Helper()
	select {
	case <-c.held:
	case <-time.After(10 * time.Second):
		t.Fatal("first commit never happened")
	}
}

// waitQueued waits until n writes wait in the queue.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.Lock()
		got := len(s.queue)
		s.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// async runs fn on its own goroutine and returns a channel with its result.
func async(fn func() error) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- fn() }()
	return ch
}

func recv(t *testing.T, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("write did not return")
		return nil
	}
}

func openPath(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path, &Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Many concurrent writers share commits, and every write they were told
// succeeded is there after the file is reopened.
func TestGroupCommitSharesTransactions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inkan.db")
	s := openPath(t, path)
	c := watchCommits(t, s, true)
	ctx := t.Context()

	const writers, each = 32, 25
	first := async(func() error { return s.Put(ctx, "rt", "first", []byte("x"), 0) })
	c.waitHeld(t)

	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			for j := range each {
				key := fmt.Sprintf("w%02d-%02d", i, j)
				if err := s.Put(ctx, "rt", key, []byte("token-"+key), time.Hour); err != nil {
					errs[i] = err
					return
				}
				if err := s.AddMember(ctx, "fam", "f", key, 0); err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	// Everyone's first write waits behind the held commit, so the next
	// commit holds all of them.
	waitQueued(t, s, writers)
	c.release()
	wg.Wait()
	if err := recv(t, first); err != nil {
		t.Fatal(err)
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
	}

	sizes := c.Sizes()
	const total = 1 + writers*each*2
	if sum := sumInts(sizes); sum != total {
		t.Errorf("commits hold %d writes, want %d", sum, total)
	}
	if len(sizes) < 2 || sizes[1] != writers {
		t.Errorf("second commit holds %v writes, want the %d queued behind the first", sizes[1:min(2, len(sizes))], writers)
	}
	if len(sizes) >= total {
		t.Errorf("%d commits for %d writes, want fewer", len(sizes), total)
	}
	if largest := slices.Max(sizes); largest > maxGroup {
		t.Errorf("a commit holds %d writes, over the cap of %d", largest, maxGroup)
	}
	t.Logf("%d writes in %d commits", total, len(sizes))

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openPath(t, path)
	members, err := s.Members(ctx, "fam", "f")
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != writers*each {
		t.Errorf("after reopen the set has %d members, want %d", len(members), writers*each)
	}
	for i := range writers {
		for j := range each {
			key := fmt.Sprintf("w%02d-%02d", i, j)
			got, err := s.Get(ctx, "rt", key)
			if err != nil || string(got) != "token-"+key {
				t.Fatalf("after reopen Get(%s) = %q, %v", key, got, err)
			}
		}
	}
}

func sumInts(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// A write that fails in the middle of a group leaves no trace, and the writes
// around it, before and after, land as if each had its own transaction.
func TestGroupFailureIsolation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inkan.db")
	s := openPath(t, path)
	c := watchCommits(t, s, true)
	ctx := t.Context()
	errFn := errors.New("fn refuses")
	errPartial := errors.New("failed after writing")
	var taken []byte

	steps := []struct {
		name string
		call func() error
		want error
	}{
		{"Put x", func() error { return s.Put(ctx, "tx", "x", []byte("1"), 0) }, nil},
		{"Create x", func() error { return s.Create(ctx, "tx", "x", []byte("2"), 0) }, store.ErrExists},
		{"Update x", func() error {
			return s.Update(ctx, "tx", "x", func(old []byte) ([]byte, error) { return append(old, '+'), nil })
		}, nil},
		{"Create y", func() error { return s.Create(ctx, "tx", "y", []byte("y"), 0) }, nil},
		{"partial write", func() error {
			return s.update(ctx, func(tx *bbolt.Tx, _ time.Time) error {
				b, err := tx.CreateBucketIfNotExists([]byte("tx"))
				if err != nil {
					return err
				}
				if err := b.Put([]byte("partial"), encode(0, []byte("p"))); err != nil {
					return err
				}
				if err := b.Delete([]byte("y")); err != nil {
					return err
				}
				return errPartial
			})
		}, errPartial},
		{"Take x", func() error {
			var err error
			taken, err = s.Take(ctx, "tx", "x")
			return err
		}, nil},
		{"Update missing", func() error {
			return s.Update(ctx, "tx", "missing", func(old []byte) ([]byte, error) { return old, nil })
		}, store.ErrNotFound},
		{"Delete absent", func() error { return s.Delete(ctx, "tx", "absent") }, nil},
		{"Update y fails", func() error {
			return s.Update(ctx, "tx", "y", func([]byte) ([]byte, error) { return nil, errFn })
		}, errFn},
		{"AddMember", func() error { return s.AddMember(ctx, "fam", "f", "m1", 0) }, nil},
	}

	first := async(func() error { return s.Put(ctx, "tx", "first", []byte("f"), 0) })
	c.waitHeld(t)
	results := make([]<-chan error, len(steps))
	for i, st := range steps {
		results[i] = async(st.call)
		waitQueued(t, s, i+1) // queue them in this order
	}
	c.release()
	if err := recv(t, first); err != nil {
		t.Fatal(err)
	}
	for i, st := range steps {
		if err := recv(t, results[i]); !errors.Is(err, st.want) {
			t.Errorf("%s = %v, want %v", st.name, err, st.want)
		}
	}
	if string(taken) != "1+" {
		t.Errorf("Take x = %q, want the Put and Update before it in the group: %q", taken, "1+")
	}
	// The first commit and then the whole group in one, holding the five
	// writes that succeeded and changed something.
	if sizes := c.Sizes(); !slices.Equal(sizes, []int{1, 5}) {
		t.Errorf("commits hold %v writes, want [1 5]", sizes)
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openPath(t, path)
	for key, want := range map[string]string{"first": "f", "y": "y"} {
		if got, err := s.Get(ctx, "tx", key); err != nil || string(got) != want {
			t.Errorf("after reopen Get(%s) = %q, %v; want %q", key, got, err, want)
		}
	}
	for _, key := range []string{"x", "partial", "missing", "absent"} {
		if got, err := s.Get(ctx, "tx", key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("after reopen Get(%s) = %q, %v; want ErrNotFound", key, got, err)
		}
	}
	if m, err := s.Members(ctx, "fam", "f"); err != nil || !slices.Equal(m, []string{"m1"}) {
		t.Errorf("after reopen Members = %q, %v; want [m1]", m, err)
	}
}

// A writer whose ctx is cancelled while it waits in the queue returns at
// once, and its write never happens; the others in the queue carry on.
func TestGroupCancelWhileQueued(t *testing.T) {
	s := openPath(t, filepath.Join(t.TempDir(), "inkan.db"))
	c := watchCommits(t, s, true)
	ctx := t.Context()

	first := async(func() error { return s.Put(ctx, "rt", "first", []byte("x"), 0) })
	c.waitHeld(t)
	cctx, cancel := context.WithCancel(ctx)
	cancelled := async(func() error { return s.Put(cctx, "rt", "cancelled", []byte("x"), 0) })
	waitQueued(t, s, 1)
	after := async(func() error { return s.Put(ctx, "rt", "after", []byte("x"), 0) })
	waitQueued(t, s, 2)

	cancel()
	// The first commit is still held: nothing has run the write.
	if err := recv(t, cancelled); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Put = %v, want context.Canceled", err)
	}
	waitQueued(t, s, 1)
	c.release()
	for _, ch := range []<-chan error{first, after} {
		if err := recv(t, ch); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Get(ctx, "rt", "cancelled"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("cancelled write happened: Get = %v", err)
	}
	if _, err := s.Get(ctx, "rt", "after"); err != nil {
		t.Errorf("write queued behind the cancelled one: %v", err)
	}
	if sizes := c.Sizes(); !slices.Equal(sizes, []int{1, 1}) {
		t.Errorf("commits hold %v writes, want [1 1]", sizes)
	}
}

// Close fails the writes still queued, lets the commit in progress finish,
// and then refuses writes.
func TestGroupClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inkan.db")
	s := openPath(t, path)
	c := watchCommits(t, s, true)
	ctx := t.Context()

	first := async(func() error { return s.Put(ctx, "rt", "first", []byte("x"), 0) })
	c.waitHeld(t)
	var queued []<-chan error
	for i := range 3 {
		queued = append(queued, async(func() error {
			return s.Put(ctx, "rt", fmt.Sprint("q", i), []byte("x"), 0)
		}))
		waitQueued(t, s, i+1)
	}
	closed := async(s.Close)
	for _, ch := range queued {
		if err := recv(t, ch); !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("write queued at Close = %v, want ErrUnavailable", err)
		}
	}
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) during a commit", err)
	default:
	}
	c.release()
	if err := recv(t, first); err != nil {
		t.Errorf("write being committed at Close = %v, want success", err)
	}
	if err := recv(t, closed); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Put(ctx, "rt", "late", []byte("x"), 0); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Put after Close = %v, want ErrUnavailable", err)
	}

	s = openPath(t, path)
	if _, err := s.Get(ctx, "rt", "first"); err != nil {
		t.Errorf("after reopen, the write committed at Close: %v", err)
	}
	for i := range 3 {
		if _, err := s.Get(ctx, "rt", fmt.Sprint("q", i)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("after reopen, write failed at Close: Get = %v, want ErrNotFound", err)
		}
	}
}

// A panic in an Update fn reaches its own caller, as it did before group
// commit, and leaves the Store working.
func TestGroupPanicInBody(t *testing.T) {
	s := openPath(t, filepath.Join(t.TempDir(), "inkan.db"))
	ctx := t.Context()
	if err := s.Put(ctx, "ctr", "n", []byte("0"), 0); err != nil {
		t.Fatal(err)
	}
	got := func() (r any) {
		defer func() { r = recover() }()
		s.Update(ctx, "ctr", "n", func([]byte) ([]byte, error) { panic("boom") })
		return nil
	}()
	if got != "boom" {
		t.Fatalf("Update with a panicking fn: recovered %v, want boom", got)
	}
	if err := s.Put(ctx, "ctr", "n", []byte("1"), 0); err != nil {
		t.Fatalf("Put after a panic: %v", err)
	}
}

// Writers that time out at random moments, and neighbours that fail, neither
// lose nor duplicate a write: the counter ends at the number of increments
// that reported success.
func TestGroupStress(t *testing.T) {
	s := openPath(t, filepath.Join(t.TempDir(), "inkan.db"))
	ctx := t.Context()
	if err := s.Put(ctx, "ctr", "n", []byte("0"), 0); err != nil {
		t.Fatal(err)
	}
	incr := func(old []byte) ([]byte, error) {
		n, err := strconv.Atoi(string(old))
		return strconv.AppendInt(nil, int64(n+1), 10), err
	}
	var succeeded, timedOut atomic.Int64
	const workers, rounds = 16, 60
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			for j := range rounds {
				cctx, cancel := context.WithTimeout(ctx, time.Duration(rand.IntN(2000))*time.Microsecond)
				err := s.Update(cctx, "ctr", "n", incr)
				cancel()
				switch {
				case err == nil:
					succeeded.Add(1)
				case errors.Is(err, context.DeadlineExceeded):
					timedOut.Add(1)
				default:
					t.Errorf("Update: %v", err)
					return
				}
				switch (i + j) % 3 {
				case 0:
					if err := s.Create(ctx, "ctr", "n", []byte("0"), 0); !errors.Is(err, store.ErrExists) {
						t.Errorf("Create of the counter = %v, want ErrExists", err)
						return
					}
				case 1:
					if _, err := s.Take(ctx, "ctr", "missing"); !errors.Is(err, store.ErrNotFound) {
						t.Errorf("Take missing = %v, want ErrNotFound", err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	got, err := s.Get(ctx, "ctr", "n")
	if err != nil {
		t.Fatal(err)
	}
	if want := strconv.FormatInt(succeeded.Load(), 10); string(got) != want {
		t.Fatalf("counter = %s after %s successful increments", got, want)
	}
	t.Logf("%d increments succeeded, %d timed out", succeeded.Load(), timedOut.Load())
}
