package redis_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/inkan-id/inkan/provider/store"
	"github.com/inkan-id/inkan/provider/store/redis"
	"github.com/inkan-id/inkan/provider/store/storetest"
)

var prefixes atomic.Int64

func TestConformance(t *testing.T) {
	needRedis(t)
	storetest.Run(t, func(t *testing.T) store.Backend {
		// Through NewUniversalClient, as the server will build it; a prefix
		// per backend keeps parallel subtests apart on the shared server.
		c := goredis.NewUniversalClient(&goredis.UniversalOptions{Addrs: []string{shared.Addr()}})
		return open(t, c, fmt.Sprintf("t%d", prefixes.Add(1)))
	})
}

// TestConformanceRESP2 runs the suite over RESP2, which the provider's
// OpenStore uses (provider/app): RESP3 has go-redis check for push
// notifications around every command, and this store needs none.
func TestConformanceRESP2(t *testing.T) {
	needRedis(t)
	storetest.Run(t, func(t *testing.T) store.Backend {
		c := goredis.NewUniversalClient(&goredis.UniversalOptions{Addrs: []string{shared.Addr()}, Protocol: 2})
		return open(t, c, fmt.Sprintf("t%d", prefixes.Add(1)))
	})
}

// open returns a Store that the test closes at its end.
func open(t testing.TB, c goredis.UniversalClient, prefix string) *redis.Store {
	t.Helper()
	s, err := redis.New(c, &redis.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// rawClient talks to the shared server behind the Store's back.
func rawClient(t testing.TB) *goredis.Client {
	c := goredis.NewClient(&goredis.Options{Addr: shared.Addr()})
	t.Cleanup(func() { c.Close() })
	return c
}

// The key layout is an interface to operators (and to Cluster slot
// placement), so it is pinned down here.
func TestKeyLayout(t *testing.T) {
	needRedis(t)
	ctx := t.Context()
	s, err := redis.New(goredis.NewClient(&goredis.Options{Addr: shared.Addr()}), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	raw := rawClient(t)

	if err := s.Put(ctx, "code", "abc", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.AddMember(ctx, "fam", "f1", "rt1", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "acct", "a1", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	if v, err := raw.Get(ctx, "inkan:{code:abc}").Result(); err != nil || v != "v" {
		t.Errorf("raw GET inkan:{code:abc} = %q, %v", v, err)
	}
	if d, err := raw.PTTL(ctx, "inkan:{code:abc}").Result(); err != nil || d <= 0 || d > time.Minute {
		t.Errorf("PTTL of a 1-minute record = %v, %v", d, err)
	}
	if d, err := raw.PTTL(ctx, "inkan:{acct:a1}").Result(); err != nil || d != -1 {
		t.Errorf("PTTL of a record without TTL = %v, %v; want -1 (no expiry)", d, err)
	}
	if m, err := raw.SMembers(ctx, "inkan:{fam:f1}:m").Result(); err != nil || len(m) != 1 || m[0] != "rt1" {
		t.Errorf("raw SMEMBERS inkan:{fam:f1}:m = %q, %v", m, err)
	}
	if d, err := raw.PTTL(ctx, "inkan:{fam:f1}:m").Result(); err != nil || d <= 0 || d > time.Hour {
		t.Errorf("PTTL of a 1-hour set = %v, %v", d, err)
	}
}

func TestNewRejectsBadPrefix(t *testing.T) {
	for _, p := range []string{"a{b", "a}b", "a\x00", strings.Repeat("p", store.MaxNameLen+1)} {
		c := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1"})
		if _, err := redis.New(c, &redis.Options{Prefix: p}); err == nil {
			t.Errorf("New with prefix %q succeeded", p)
		}
		c.Close()
	}
	if _, err := redis.New(nil, nil); err == nil {
		t.Error("New(nil) succeeded")
	}
}

// Update retries when the record changes between its GET and its swap, and
// reports ErrNotFound when the record disappears in between. fn changes the
// record behind the Store's back to force each case deterministically.
func TestUpdateConflict(t *testing.T) {
	needRedis(t)
	ctx := t.Context()
	s := open(t, goredis.NewClient(&goredis.Options{Addr: shared.Addr()}), "conflict")
	raw := rawClient(t)
	const k = "conflict:{acct:a}"

	if err := s.Put(ctx, "acct", "a", []byte("v1"), time.Hour); err != nil {
		t.Fatal(err)
	}
	var seen []string
	err := s.Update(ctx, "acct", "a", func(old []byte) ([]byte, error) {
		seen = append(seen, string(old))
		if len(seen) == 1 {
			if err := raw.Set(ctx, k, "v2", goredis.KeepTTL).Err(); err != nil {
				return nil, err
			}
		}
		return append(old, '+'), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[0] != "v1" || seen[1] != "v2" {
		t.Fatalf("fn saw %q, want [v1 v2]", seen)
	}
	if v, _ := s.Get(ctx, "acct", "a"); string(v) != "v2+" {
		t.Fatalf("after conflicting Update: %q, want v2+ (the other writer's change must survive)", v)
	}

	err = s.Update(ctx, "acct", "a", func(old []byte) ([]byte, error) {
		if err := raw.Del(ctx, k).Err(); err != nil {
			return nil, err
		}
		return []byte("resurrected"), nil
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Update of a record deleted mid-way = %v, want ErrNotFound", err)
	}
	if n, _ := raw.Exists(ctx, k).Result(); n != 0 {
		t.Fatal("Update brought a deleted record back")
	}
}

// rtCounter counts commands and pipelines sent, i.e. network round trips.
type rtCounter struct{ n atomic.Int64 }

func (c *rtCounter) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (c *rtCounter) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

func (c *rtCounter) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmds)
	}
}

// The hot path's cost in round trips is part of the design; a change that
// adds one shows up here.
func TestRoundTrips(t *testing.T) {
	needRedis(t)
	ctx := t.Context()
	c := goredis.NewClient(&goredis.Options{Addr: shared.Addr()})
	var rt rtCounter
	c.AddHook(&rt)
	s := open(t, c, "rt")
	keep := func(old []byte) ([]byte, error) { return old, nil }
	ops := []struct {
		name string
		want int64
		run  func() error
	}{
		{"Put", 1, func() error { return s.Put(ctx, "code", "c", []byte("v"), time.Minute) }},
		{"Create", 1, func() error { return s.Create(ctx, "code", "n", []byte("v"), time.Minute) }},
		{"Get", 1, func() error { _, err := s.Get(ctx, "code", "c"); return err }},
		{"Update", 2, func() error { return s.Update(ctx, "code", "c", keep) }},
		{"Take", 1, func() error { _, err := s.Take(ctx, "code", "c"); return err }},
		{"Delete", 1, func() error { return s.Delete(ctx, "code", "n") }},
		{"AddMember", 1, func() error { return s.AddMember(ctx, "fam", "f", "m", time.Hour) }},
		{"Members", 1, func() error { _, err := s.Members(ctx, "fam", "f"); return err }},
		{"DeleteSet", 1, func() error { return s.DeleteSet(ctx, "fam", "f") }},
		{"Ping", 1, func() error { return s.Ping(ctx) }},
	}
	// The first pass loads the scripts into the server's cache.
	for pass := range 2 {
		for _, op := range ops {
			before := rt.n.Load()
			if err := op.run(); err != nil {
				t.Fatalf("%s: %v", op.name, err)
			}
			if got := rt.n.Load() - before; pass == 1 && got != op.want {
				t.Errorf("%s took %d round trips, want %d", op.name, got, op.want)
			}
		}
	}
}
