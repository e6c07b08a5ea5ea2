package revocation

import (
	"context"
	"crypto/x509"
	"hash/maphash"
	"sync"
	"time"
)

// Cache defaults.
const (
	DefaultGoodTTL    = 5 * time.Minute
	DefaultMaxEntries = 100_000
)

const cacheShards = 64 // spreads lock contention across cores

// CacheConfig configures a Cache.
type CacheConfig struct {
	// GoodTTL is how long a Good answer is reused (default DefaultGoodTTL).
	// It is never reused past the answer's NextUpdate.
	GoodTTL time.Duration
	// MaxEntries bounds the number of cached answers
	// (default DefaultMaxEntries).
	MaxEntries int
	// Now returns the current time (default time.Now).
	Now func() time.Time
}

// Cache remembers the answers of another Checker, keyed by issuer key
// identifier and serial (jpki.md §6.2): Revoked forever (JPKI never
// releases a hold), Good for a short TTL and never past NextUpdate, Unknown
// and errors not at all. It is safe for concurrent use and a hit does not
// allocate. A hit returns the Result as the source made it, CheckedAt
// included.
//
// The TTL is meant for logins. Cache is a FreshChecker: CheckFresh, for
// eKYC signing, never reuses a Good answer.
//
// When full, a shard evicts an expired or Good entry before it touches a
// Revoked one; an evicted Revoked answer is simply asked for again.
type Cache struct {
	next     Checker
	ttl      time.Duration
	perShard int
	now      func() time.Time
	seed     maphash.Seed
	shards   [cacheShards]cacheShard
}

type cacheShard struct {
	mu sync.RWMutex
	m  map[string]cacheEntry
}

type cacheEntry struct {
	res     Result
	expires time.Time // zero: never
}

var _ FreshChecker = (*Cache)(nil)

// NewCache wraps next.
func NewCache(next Checker, cfg CacheConfig) *Cache {
	if cfg.GoodTTL <= 0 {
		cfg.GoodTTL = DefaultGoodTTL
	}
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = DefaultMaxEntries
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Cache{
		next:     next,
		ttl:      cfg.GoodTTL,
		perShard: max(1, cfg.MaxEntries/cacheShards),
		now:      cfg.Now,
		seed:     maphash.MakeSeed(),
	}
	for i := range c.shards {
		c.shards[i].m = make(map[string]cacheEntry)
	}
	return c
}

// Check implements Checker.
func (c *Cache) Check(ctx context.Context, cert, issuer *x509.Certificate) (Result, error) {
	return c.check(ctx, cert, issuer, false)
}

// CheckFresh implements FreshChecker: it asks the wrapped Checker even when
// a Good answer is cached, and caches what it gets as Check does. A cached
// Revoked answer is still returned: JPKI never releases a hold, so no
// fresher answer can make the certificate good again.
func (c *Cache) CheckFresh(ctx context.Context, cert, issuer *x509.Certificate) (Result, error) {
	return c.check(ctx, cert, issuer, true)
}

// check answers from the cache, or asks next and caches its answer. fresh
// skips cached Good answers.
func (c *Cache) check(ctx context.Context, cert, issuer *x509.Certificate, fresh bool) (Result, error) {
	var buf [96]byte
	k := appendKey(buf[:0], IssuerKeyID(cert, issuer), cert.SerialNumber)
	sh := &c.shards[maphash.Bytes(c.seed, k)%cacheShards]
	now := c.now()

	sh.mu.RLock()
	e, ok := sh.m[string(k)]
	sh.mu.RUnlock()
	if ok && (e.expires.IsZero() || now.Before(e.expires)) && (!fresh || e.res.Status == Revoked) {
		return e.res, nil
	}

	r, err := c.next.Check(ctx, cert, issuer)
	if err != nil {
		return r, err
	}
	var exp time.Time
	switch r.Status {
	case Revoked:
		// zero expiry: forever
	case Good:
		exp = now.Add(c.ttl)
		if !r.NextUpdate.IsZero() && r.NextUpdate.Before(exp) {
			exp = r.NextUpdate
		}
		if !now.Before(exp) {
			return r, nil
		}
	default:
		return r, nil
	}
	sh.mu.Lock()
	if _, exists := sh.m[string(k)]; !exists && len(sh.m) >= c.perShard {
		sh.evictOne(now)
	}
	sh.m[string(k)] = cacheEntry{res: r, expires: exp}
	sh.mu.Unlock()
	return r, nil
}

// evictOne removes one entry, preferring expired and Good ones. Go's
// random map iteration order makes this a cheap random sample.
func (sh *cacheShard) evictOne(now time.Time) {
	const sample = 16
	var fallback string
	n := 0
	for k, e := range sh.m {
		if n == 0 {
			fallback = k
		}
		if e.res.Status != Revoked || (!e.expires.IsZero() && !now.Before(e.expires)) {
			delete(sh.m, k)
			return
		}
		if n++; n >= sample {
			break
		}
	}
	delete(sh.m, fallback)
}

// Len returns the number of cached answers, including expired ones not yet
// evicted.
func (c *Cache) Len() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		n += len(sh.m)
		sh.mu.RUnlock()
	}
	return n
}
