package revocation

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// counting answers a fixed Result (or error) and counts calls.
type counting struct {
	res   Result
	err   error
	calls atomic.Int64
}

func (c *counting) Check(context.Context, *x509.Certificate, *x509.Certificate) (Result, error) {
	c.calls.Add(1)
	return c.res, c.err
}

func TestChain(t *testing.T) {
	ca := newCA(t, "Auth CA", nil)
	leaf := ca.issue(t, 100, leafOpts{})
	boom := errors.New("boom")
	unknown := &counting{res: Result{Status: Unknown, Source: "u"}}
	failing := &counting{err: boom}
	good := &counting{res: Result{Status: Good, Source: "g"}}
	revoked := &counting{res: Result{Status: Revoked, Source: "r"}}
	tests := []struct {
		name    string
		chain   Chain
		want    Status
		source  string
		wantErr error
	}{
		{"first definitive wins", Chain{revoked, good}, Revoked, "r", nil},
		{"unknown falls through", Chain{unknown, good}, Good, "g", nil},
		{"error falls through", Chain{failing, revoked}, Revoked, "r", nil},
		{"all unknown", Chain{unknown, unknown}, Unknown, "u", nil},
		{"errors are joined", Chain{failing, unknown}, Unknown, "u", boom},
		{"empty", Chain{}, Unknown, "", nil},
		{"good with error is not good", Chain{&counting{res: Result{Status: Good}, err: boom}}, Unknown, "", boom},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := tc.chain.Check(context.Background(), leaf, ca.cert)
			if r.Status != tc.want || r.Source != tc.source || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("got %v %q %v; want %v %q %v", r.Status, r.Source, err, tc.want, tc.source, tc.wantErr)
			}
		})
	}
}

func TestCache(t *testing.T) {
	ca := newCA(t, "Auth CA", nil)
	leaf := ca.issue(t, 100, leafOpts{})
	ctx := context.Background()

	t.Run("revoked is cached forever", func(t *testing.T) {
		clk := newClock(t0)
		src := &counting{res: Result{Status: Revoked, Reason: ReasonSuperseded}}
		c := NewCache(src, CacheConfig{Now: clk.Now})
		for range 3 {
			if r, err := c.Check(ctx, leaf, ca.cert); err != nil || r.Status != Revoked || r.Reason != ReasonSuperseded {
				t.Fatalf("%+v %v", r, err)
			}
			clk.Add(365 * 24 * time.Hour)
		}
		if n := src.calls.Load(); n != 1 {
			t.Fatalf("source asked %d times, want 1", n)
		}
	})
	t.Run("good is cached for the TTL", func(t *testing.T) {
		clk := newClock(t0)
		src := &counting{res: Result{Status: Good}}
		c := NewCache(src, CacheConfig{Now: clk.Now, GoodTTL: time.Minute})
		c.Check(ctx, leaf, ca.cert)
		clk.Add(59 * time.Second)
		c.Check(ctx, leaf, ca.cert)
		if n := src.calls.Load(); n != 1 {
			t.Fatalf("within TTL: %d calls", n)
		}
		clk.Add(2 * time.Second)
		c.Check(ctx, leaf, ca.cert)
		if n := src.calls.Load(); n != 2 {
			t.Fatalf("after TTL: %d calls", n)
		}
	})
	t.Run("good never outlives nextUpdate", func(t *testing.T) {
		clk := newClock(t0)
		src := &counting{res: Result{Status: Good, NextUpdate: t0.Add(10 * time.Second)}}
		c := NewCache(src, CacheConfig{Now: clk.Now})
		c.Check(ctx, leaf, ca.cert)
		clk.Add(11 * time.Second)
		c.Check(ctx, leaf, ca.cert)
		if n := src.calls.Load(); n != 2 {
			t.Fatalf("%d calls, want 2", n)
		}
	})
	t.Run("unknown and errors are not cached", func(t *testing.T) {
		for _, src := range []*counting{{res: Result{Status: Unknown}}, {res: Result{Status: Good}, err: errors.New("x")}} {
			c := NewCache(src, CacheConfig{Now: fixedNow(t0)})
			c.Check(ctx, leaf, ca.cert)
			r, err := c.Check(ctx, leaf, ca.cert)
			if n := src.calls.Load(); n != 2 {
				t.Fatalf("%d calls, want 2", n)
			}
			if src.err != nil && err == nil {
				t.Fatal("error swallowed")
			}
			_ = r
		}
	})
	t.Run("fresh skips a cached good answer and caches the new one", func(t *testing.T) {
		clk := newClock(t0)
		s := NewStatic(Good)
		c := NewCache(s, CacheConfig{Now: clk.Now, GoodTTL: time.Hour})
		if r, _ := c.Check(ctx, leaf, ca.cert); r.Status != Good {
			t.Fatalf("first check: %v", r.Status)
		}
		s.Revoke(ca.cert.SubjectKeyId, leaf.SerialNumber, ReasonKeyCompromise, t0)
		clk.Add(time.Minute)
		if r, _ := c.Check(ctx, leaf, ca.cert); r.Status != Good {
			t.Fatalf("Check within the TTL: %v, want the cached good answer", r.Status)
		}
		if r, err := c.CheckFresh(ctx, leaf, ca.cert); err != nil || r.Status != Revoked {
			t.Fatalf("CheckFresh: %v %v, want revoked", r.Status, err)
		}
		if r, _ := c.Check(ctx, leaf, ca.cert); r.Status != Revoked {
			t.Fatalf("Check after CheckFresh: %v, want the fresh answer cached", r.Status)
		}
	})
	t.Run("fresh still answers a cached revoked answer", func(t *testing.T) {
		src := &counting{res: Result{Status: Revoked}}
		c := NewCache(src, CacheConfig{Now: fixedNow(t0)})
		c.Check(ctx, leaf, ca.cert)
		src.res = Result{Status: Good} // a source that "forgets" is not believed
		if r, err := c.CheckFresh(ctx, leaf, ca.cert); err != nil || r.Status != Revoked {
			t.Fatalf("CheckFresh: %v %v", r.Status, err)
		}
		if n := src.calls.Load(); n != 1 {
			t.Fatalf("source asked %d times, want 1", n)
		}
	})
	t.Run("fresh reports an outage, not the cached good answer", func(t *testing.T) {
		src := &counting{res: Result{Status: Good}}
		c := NewCache(src, CacheConfig{Now: fixedNow(t0)})
		c.Check(ctx, leaf, ca.cert)
		src.res, src.err = Result{}, errors.New("down")
		if r, err := c.CheckFresh(ctx, leaf, ca.cert); err == nil || r.Status != Unknown {
			t.Fatalf("CheckFresh during an outage: %v %v", r.Status, err)
		}
		if n := src.calls.Load(); n != 2 {
			t.Fatalf("source asked %d times, want 2", n)
		}
	})
	t.Run("key includes the issuer", func(t *testing.T) {
		gen2 := newCA(t, "Auth CA", []byte("gen2"))
		leaf2 := gen2.issue(t, 100, leafOpts{}) // same serial, other generation
		s := NewStatic(Good)
		s.Revoke(gen2.cert.SubjectKeyId, leaf2.SerialNumber, ReasonKeyCompromise, t0)
		c := NewCache(s, CacheConfig{Now: fixedNow(t0)})
		if r, _ := c.Check(ctx, leaf, ca.cert); r.Status != Good {
			t.Fatalf("gen1 cert: %v", r.Status)
		}
		if r, _ := c.Check(ctx, leaf2, gen2.cert); r.Status != Revoked {
			t.Fatalf("gen2 cert: %v", r.Status)
		}
	})
	t.Run("bounded", func(t *testing.T) {
		src := &counting{res: Result{Status: Good}}
		c := NewCache(src, CacheConfig{Now: fixedNow(t0), MaxEntries: 128})
		for i := range 2000 {
			l := *leaf
			l.SerialNumber = big.NewInt(int64(i))
			c.Check(ctx, &l, ca.cert)
		}
		if n := c.Len(); n > 128 {
			t.Fatalf("cache holds %d entries, bound 128", n)
		}
	})
	t.Run("eviction keeps revoked answers", func(t *testing.T) {
		s := NewStatic(Good)
		c := NewCache(s, CacheConfig{Now: fixedNow(t0), MaxEntries: cacheShards * 4})
		// One revoked certificate, then a flood of good ones.
		s.Revoke(ca.cert.SubjectKeyId, big.NewInt(1), ReasonKeyCompromise, t0)
		one := *leaf
		one.SerialNumber = big.NewInt(1)
		c.Check(ctx, &one, ca.cert)
		s.Set(ca.cert.SubjectKeyId, big.NewInt(1), Result{Status: Good}) // source "forgets"
		for i := 2; i < 5000; i++ {
			l := *leaf
			l.SerialNumber = big.NewInt(int64(i))
			c.Check(ctx, &l, ca.cert)
		}
		if r, _ := c.Check(ctx, &one, ca.cert); r.Status != Revoked {
			t.Fatal("revoked answer evicted in favour of good ones")
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		s := NewStatic(Good)
		c := NewCache(s, CacheConfig{MaxEntries: 256})
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 500 {
					l := *leaf
					l.SerialNumber = big.NewInt(int64(i % 300))
					if g == 0 && i%50 == 0 {
						s.Revoke(ca.cert.SubjectKeyId, l.SerialNumber, 0, t0)
					}
					if _, err := c.Check(ctx, &l, ca.cert); err != nil {
						panic(err)
					}
				}
			})
		}
		wg.Wait()
	})
}

func TestCacheHitDoesNotAllocate(t *testing.T) {
	ca := newCA(t, "Auth CA", nil)
	leaf := ca.issue(t, 100, leafOpts{})
	c := NewCache(NewStatic(Good), CacheConfig{})
	c.Check(context.Background(), leaf, ca.cert)
	if a := testing.AllocsPerRun(100, func() { c.Check(context.Background(), leaf, ca.cert) }); a != 0 {
		t.Fatalf("cache hit allocates %v times", a)
	}
}

func TestStatic(t *testing.T) {
	ca := newCA(t, "Auth CA", nil)
	leaf := ca.issue(t, 100, leafOpts{})
	for _, def := range []Status{Good, Unknown} {
		s := NewStatic(def)
		if r, err := s.Check(context.Background(), leaf, ca.cert); err != nil || r.Status != def || r.Source != "static" {
			t.Fatalf("default %v: %+v %v", def, r, err)
		}
		s.Revoke(ca.cert.SubjectKeyId, leaf.SerialNumber, ReasonAffiliationChanged, t0)
		r, _ := s.Check(context.Background(), leaf, ca.cert)
		if r.Status != Revoked || r.Reason != ReasonAffiliationChanged || !r.RevokedAt.Equal(t0) {
			t.Fatalf("after Revoke: %+v", r)
		}
	}
}

func TestStatusString(t *testing.T) {
	for s, want := range map[Status]string{Good: "good", Revoked: "revoked", Unknown: "unknown", Status(9): "unknown"} {
		if got := fmt.Sprint(s); got != want {
			t.Errorf("%d: %q", s, got)
		}
	}
}

func BenchmarkCacheHit(b *testing.B) {
	ca := newCA(b, "Auth CA", nil)
	leaf := ca.issue(b, 100, leafOpts{})
	c := NewCache(NewStatic(Good), CacheConfig{})
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.Check(ctx, leaf, ca.cert)
		}
	})
}
