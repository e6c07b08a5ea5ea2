package redis_test

import (
	"context"
	"errors"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/inkan-id/inkan/provider/store"
	"github.com/inkan-id/inkan/provider/store/redis"
	"github.com/inkan-id/inkan/provider/store/redis/redistest"
)

// When Redis goes away every call fails with ErrUnavailable (so handlers
// answer 503), and when it comes back on the same address the same Store
// recovers without being rebuilt.
func TestOutageAndRecovery(t *testing.T) {
	needRedis(t)
	srv, err := redistest.Start(redisBin) // its own server: the shared one must stay up
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Kill)
	c := goredis.NewClient(&goredis.Options{
		Addr:        srv.Addr(),
		DialTimeout: 500 * time.Millisecond,
		ReadTimeout: time.Second,
		MaxRetries:  1,
		// go-redis dials 5 times per call by default; once keeps the
		// outage half of this test short.
		DialerRetries: 1,
	})
	s, err := redis.New(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := t.Context()
	if err := s.Put(ctx, "acct", "a", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}

	srv.Kill()
	for op, err := range everyOp(ctx, s) {
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s with Redis down = %v, want ErrUnavailable", op, err)
		}
	}

	if err := srv.Start(); err != nil { // same port
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.Ping(ctx) != nil {
		if time.Now().After(deadline) {
			t.Fatalf("Store did not recover after Redis came back: %v", s.Ping(ctx))
		}
		time.Sleep(50 * time.Millisecond)
	}
	// This test server has no persistence, so the old record is gone; the
	// point is that every call works again.
	for op, err := range everyOp(ctx, s) {
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s after recovery = %v", op, err)
		}
	}
	if v, err := s.Get(ctx, "acct", "k"); err != nil || string(v) != "v" {
		t.Errorf("Get after recovery = %q, %v", v, err)
	}
}

func everyOp(ctx context.Context, s store.Backend) map[string]error {
	keep := func(old []byte) ([]byte, error) { return old, nil }
	_, getErr := s.Get(ctx, "acct", "a")
	_, takeErr := s.Take(ctx, "acct", "a")
	_, membersErr := s.Members(ctx, "fam", "f")
	_, getManyErr := store.GetMany(ctx, s, store.Key{NS: "acct", Key: "a"}, store.Key{NS: "acct", Key: "k"})
	return map[string]error{
		"Put":       s.Put(ctx, "acct", "k", []byte("v"), 0),
		"Create":    s.Create(ctx, "acct", "c", []byte("v"), time.Minute),
		"Get":       getErr,
		"Take":      takeErr,
		"Update":    s.Update(ctx, "acct", "k", keep),
		"Delete":    s.Delete(ctx, "acct", "c"),
		"AddMember": s.AddMember(ctx, "fam", "f", "m", 0),
		"Members":   membersErr,
		"DeleteSet": s.DeleteSet(ctx, "fam", "f"),
		"Ping":      s.Ping(ctx),
		"GetMany":   getManyErr,
		"Batch":     store.Apply(ctx, s, store.Put("acct", "b", []byte("v"), 0), store.DeleteIf("acct", "b", []byte("v"))),
	}
}
