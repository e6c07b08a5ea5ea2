package clients

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/inkan-id/inkan/provider/clients/clientmeta"
)

// bcryptHash hashes secret at bcrypt's lowest cost: checking does not
// look at the cost, and -race makes each comparison slow.
func bcryptHash(t testing.TB, secret string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(secret), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

// countingChecker is a secretChecker whose comparisons are counted.
func countingChecker() (*secretChecker, *atomic.Int64) {
	c := newSecretChecker()
	var n atomic.Int64
	c.verify = func(hash, secret string) bool {
		n.Add(1)
		return clientmeta.VerifySecret(hash, secret)
	}
	return c, &n
}

func TestSecretCheckerRemembersBcryptMatches(t *testing.T) {
	ctx := context.Background()
	c, n := countingChecker()
	h1, h2 := bcryptHash(t, "correct horse"), bcryptHash(t, "battery staple")

	steps := []struct {
		name      string
		hash      string
		secret    string
		want      bool
		verifying bool // whether bcrypt must run
	}{
		{"first match runs bcrypt", h1, "correct horse", true, true},
		{"same pair again is remembered", h1, "correct horse", true, false},
		{"wrong secret runs bcrypt", h1, "correct horsf", false, true},
		{"wrong secret is never remembered", h1, "correct horsf", false, true},
		{"a remembered secret under another hash is not", h2, "correct horse", false, true},
		{"empty secret", h1, "", false, true},
		{"second client's match", h2, "battery staple", true, true},
		{"first client still remembered", h1, "correct horse", true, false},
	}
	for _, s := range steps {
		before := n.Load()
		ok, err := c.check(ctx, s.hash, s.secret)
		if err != nil || ok != s.want {
			t.Fatalf("%s: check = %v, %v; want %v", s.name, ok, err, s.want)
		}
		if ran := n.Load() > before; ran != s.verifying {
			t.Errorf("%s: bcrypt ran = %v, want %v", s.name, ran, s.verifying)
		}
	}
	if len(c.seen) != 2 {
		t.Errorf("%d pairs remembered, want 2", len(c.seen))
	}
}

func TestSecretCheckerSHA256NotRemembered(t *testing.T) {
	c, n := countingChecker()
	h := clientmeta.HashSecret("generated-secret")
	for i, want := range []bool{true, true} {
		if ok, err := c.check(context.Background(), h, "generated-secret"); !ok || err != nil {
			t.Fatalf("check %d = %v, %v; want %v", i, ok, err, want)
		}
	}
	if n.Load() != 2 || len(c.seen) != 0 {
		t.Errorf("%d comparisons and %d remembered; want 2 and 0", n.Load(), len(c.seen))
	}
}

// TestSecretCheckerBounds holds bcrypt comparisons and checks that no more
// run at once than there are slots, that a queue beyond its bound gets
// ErrBusy without a comparison, and that a caller whose context ends
// while waiting gives up without one.
func TestSecretCheckerBounds(t *testing.T) {
	c := newSecretChecker()
	c.slots = make(chan struct{}, 2)
	release := make(chan struct{})
	var running, peak, calls atomic.Int64
	c.verify = func(hash, secret string) bool {
		calls.Add(1)
		r := running.Add(1)
		for p := peak.Load(); r > p && !peak.CompareAndSwap(p, r); p = peak.Load() {
		}
		<-release
		running.Add(-1)
		return false
	}
	hash := "$2a$10$" + "x" // slow by its form; verify is the fake
	var wg sync.WaitGroup
	queued := cap(c.slots) + maxSlowWaiting
	for i := range queued {
		wg.Go(func() {
			if _, err := c.check(context.Background(), hash, fmt.Sprint(i)); err != nil {
				t.Errorf("queued check %d: %v", i, err)
			}
		})
	}
	waitFor(t, func() bool { return c.waiting.Load() == int64(queued) && running.Load() == 2 })

	if ok, err := c.check(context.Background(), hash, "one more"); ok || !errors.Is(err, ErrBusy) {
		t.Errorf("check beyond the queue = %v, %v; want ErrBusy", ok, err)
	}
	if c.waiting.Load() != int64(queued) {
		t.Errorf("a refused check stayed counted: %d waiting", c.waiting.Load())
	}

	// Make room for one waiter whose context then ends.
	c.waiting.Add(-1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := c.check(ctx, hash, "impatient"); done <- err }()
	waitFor(t, func() bool { return c.waiting.Load() == int64(queued) })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait = %v", err)
	}
	c.waiting.Add(1)

	close(release)
	wg.Wait()
	if peak.Load() != 2 {
		t.Errorf("%d comparisons ran at once, want the 2 slots", peak.Load())
	}
	if calls.Load() != int64(queued) {
		t.Errorf("%d comparisons, want %d: refused and cancelled checks must not compare", calls.Load(), queued)
	}
	if c.waiting.Load() != 0 {
		t.Errorf("%d still counted as waiting", c.waiting.Load())
	}
}

func TestSecretCheckerForgetsWhenFull(t *testing.T) {
	c := newSecretChecker()
	c.verify = func(hash, secret string) bool { return true }
	for i := range maxRemembered + 10 {
		if ok, _ := c.check(context.Background(), "$2a$10$x", fmt.Sprint(i)); !ok {
			t.Fatal("fake comparison refused")
		}
	}
	if len(c.seen) != maxRemembered {
		t.Errorf("%d remembered, want the bound %d", len(c.seen), maxRemembered)
	}
}

// TestAuthenticateSecretRemembers: a bcrypt client's second token request
// costs no bcrypt, a wrong secret always does and still fails.
func TestAuthenticateSecretRemembers(t *testing.T) {
	ctx := context.Background()
	r := New(openStore(t), staticClients(t))
	c, n := countingChecker()
	r.secrets = c
	for i := range 3 {
		if _, err := r.AuthenticateSecret(ctx, "bank-web", "correct horse battery staple"); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if _, err := r.AuthenticateSecret(ctx, "bank-web", "correct horse battery stapler"); err != ErrAuthFailed {
		t.Errorf("wrong secret after a match: %v", err)
	}
	if n.Load() != 2 {
		t.Errorf("%d bcrypt comparisons for 3 right and 1 wrong secret, want 2", n.Load())
	}
}

func TestAuthenticateSecretBusy(t *testing.T) {
	r := New(openStore(t), staticClients(t))
	r.secrets.waiting.Store(int64(cap(r.secrets.slots) + maxSlowWaiting))
	if _, err := r.AuthenticateSecret(context.Background(), "bank-web", "correct horse battery staple"); !errors.Is(err, ErrBusy) {
		t.Errorf("full queue: %v, want ErrBusy", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10 s")
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkAuthenticateSecretBcrypt is a token request's client check for
// a client with a bcrypt secret_hash: cold is every request before
// secretChecker, remembered is every request after the first.
func BenchmarkAuthenticateSecretBcrypt(b *testing.B) {
	ctx := context.Background()
	b.Run("cold", func(b *testing.B) {
		r := New(openStore(b), staticClients(b))
		for b.Loop() {
			r.secrets = newSecretChecker()
			if _, err := r.AuthenticateSecret(ctx, "bank-web", "correct horse battery staple"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("remembered", func(b *testing.B) {
		r := New(openStore(b), staticClients(b))
		for b.Loop() {
			if _, err := r.AuthenticateSecret(ctx, "bank-web", "correct horse battery staple"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestSecretCheckerQueuedSameSecret: requests that queue together with the
// same secret, as a client's first requests after a start do, cost one
// bcrypt comparison, not one each.
func TestSecretCheckerQueuedSameSecret(t *testing.T) {
	c := newSecretChecker()
	c.slots = make(chan struct{}, 1)
	release := make(chan struct{})
	var calls atomic.Int64
	c.verify = func(hash, secret string) bool {
		calls.Add(1)
		<-release
		return secret == "right"
	}
	const n = 8
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if ok, err := c.check(context.Background(), "$2a$10$x", "right"); !ok || err != nil {
				t.Errorf("check = %v, %v", ok, err)
			}
		})
	}
	waitFor(t, func() bool { return c.waiting.Load() == n })
	close(release)
	wg.Wait()
	if calls.Load() != 1 {
		t.Errorf("%d comparisons for %d queued checks of one secret, want 1", calls.Load(), n)
	}
}
