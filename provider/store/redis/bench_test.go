package redis_test

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// BenchmarkPutGetTake is the life of an authorization code: store it, read
// it, redeem it. It reports round trips per iteration (3: SET, GET, GETDEL).
func BenchmarkPutGetTake(b *testing.B) {
	needRedis(b)
	c := goredis.NewClient(&goredis.Options{Addr: shared.Addr()})
	var rt rtCounter
	c.AddHook(&rt)
	s := open(b, c, "bench")
	ctx := b.Context()
	val := make([]byte, 200)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		key := strconv.Itoa(i)
		if err := s.Put(ctx, "code", key, val, time.Minute); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Get(ctx, "code", key); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Take(ctx, "code", key); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rt.n.Load())/float64(b.N), "roundtrips/op")
}

// BenchmarkPutGetTakeParallel shows throughput with many logins at once.
func BenchmarkPutGetTakeParallel(b *testing.B) {
	needRedis(b)
	s := open(b, goredis.NewClient(&goredis.Options{Addr: shared.Addr()}), "benchp")
	ctx := b.Context()
	val := make([]byte, 200)
	var next atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := strconv.FormatInt(next.Add(1), 10)
			if err := s.Put(ctx, "code", key, val, time.Minute); err != nil {
				b.Error(err)
				return
			}
			if _, err := s.Get(ctx, "code", key); err != nil {
				b.Error(err)
				return
			}
			if _, err := s.Take(ctx, "code", key); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkUpdate is a compare-and-set without contention; it reports
// round trips per call (2: GET, EVALSHA).
func BenchmarkUpdate(b *testing.B) {
	needRedis(b)
	c := goredis.NewClient(&goredis.Options{Addr: shared.Addr()})
	var rt rtCounter
	c.AddHook(&rt)
	s := open(b, c, "benchu")
	ctx := b.Context()
	if err := s.Put(ctx, "acct", "a", make([]byte, 200), time.Hour); err != nil {
		b.Fatal(err)
	}
	keep := func(old []byte) ([]byte, error) { return old, nil }
	if err := s.Update(ctx, "acct", "a", keep); err != nil { // loads the script
		b.Fatal(err)
	}
	rt.n.Store(0)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Update(ctx, "acct", "a", keep); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rt.n.Load())/float64(b.N), "roundtrips/op")
}
