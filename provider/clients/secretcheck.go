package clients

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/inkan-id/inkan/provider/clients/clientmeta"
)

// Bounds of a secretChecker: at most maxSlowWaiting callers queue for a
// bcrypt slot, and at most maxRemembered matches are remembered.
const (
	maxSlowWaiting = 64
	maxRemembered  = 4096
)

// secretChecker verifies client secrets. A bcrypt comparison costs tens
// of milliseconds of CPU (72 ms at cost 10 on the 2-core machine of
// docs/load.md): done on every token request it would cost a login fifty
// times what the rest of the login does, and a stream of wrong secrets
// would take every core. So the checker
//
//   - remembers each (hash, secret) pair that bcrypt accepted, as an HMAC
//     under a key made at start and never stored, and accepts that pair
//     again with one HMAC: a client pays bcrypt once per secret and
//     process;
//   - runs at most half the cores' worth of bcrypt comparisons at once,
//     and answers ErrBusy when more than maxSlowWaiting callers are
//     queued for one, so that wrong secrets cannot starve the logins.
//
// A wrong secret is never remembered, and a changed hash (a new secret)
// matches none of what was. Someone who can read the process's memory
// could test guesses of a remembered secret at HMAC speed instead of
// bcrypt's; such a reader has the master key too.
//
// "sha256:" hashes (generated 256-bit secrets) are compared directly:
// they cost less than the HMAC.
type secretChecker struct {
	key     [32]byte
	slots   chan struct{} // one per bcrypt comparison allowed at once
	waiting atomic.Int64  // callers holding or waiting for a slot

	mu   sync.Mutex
	seen map[[sha256.Size]byte]struct{}

	// verify is clientmeta.VerifySecret; tests count and hold calls.
	verify func(hash, secret string) bool
}

func newSecretChecker() *secretChecker {
	c := &secretChecker{
		slots:  make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2)),
		seen:   make(map[[sha256.Size]byte]struct{}),
		verify: clientmeta.VerifySecret,
	}
	rand.Read(c.key[:])
	return c
}

// check reports whether secret matches hash. Its only errors are ErrBusy
// and the context's, when it gave up waiting for a bcrypt slot; neither
// says anything of the secret.
func (c *secretChecker) check(ctx context.Context, hash, secret string) (bool, error) {
	if !clientmeta.SlowHash(hash) {
		return c.verify(hash, secret), nil
	}
	mac := c.mac(hash, secret)
	if c.known(mac) {
		return true, nil
	}
	if c.waiting.Add(1) > int64(cap(c.slots)+maxSlowWaiting) {
		c.waiting.Add(-1)
		return false, ErrBusy
	}
	defer c.waiting.Add(-1)
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-c.slots }()
	// Callers that came at once with the same secret (a client's first
	// requests after a start) queued together: the first one's match
	// serves the rest.
	if c.known(mac) {
		return true, nil
	}
	ok := c.verify(hash, secret)
	if ok {
		c.remember(mac)
	}
	return ok, nil
}

func (c *secretChecker) known(mac [sha256.Size]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.seen[mac]
	return ok
}

// mac binds secret to hash: the same secret under another hash (another
// client, or the client's next secret) is another entry.
func (c *secretChecker) mac(hash, secret string) [sha256.Size]byte {
	m := hmac.New(sha256.New, c.key[:])
	m.Write([]byte(hash))
	m.Write([]byte{0})
	m.Write([]byte(secret))
	var out [sha256.Size]byte
	m.Sum(out[:0])
	return out
}

// remember adds mac, first dropping an arbitrary entry when full: the
// dropped pair costs one more bcrypt when it comes again.
func (c *secretChecker) remember(mac [sha256.Size]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.seen) >= maxRemembered {
		for k := range c.seen {
			delete(c.seen, k)
			break
		}
	}
	c.seen[mac] = struct{}{}
}
