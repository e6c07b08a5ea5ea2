package redis_test

import (
	"testing"
	"time"

	"github.com/inkan-id/inkan/provider/store/storetest"
	goredis "github.com/redis/go-redis/v9"
)

// BenchmarkPutGetTake is the life of an authorization code: store it, read
// it, redeem it. It reports round trips per iteration (3: SET, GET, GETDEL).
func BenchmarkPutGetTake(b *testing.B) {
	needRedis(b)
	c := goredis.NewClient(&goredis.Options{Addr: shared.Addr()})
	var rt rtCounter
	c.AddHook(&rt)
	storetest.BenchPutGetTake(b, open(b, c, "bench"))
	b.ReportMetric(float64(rt.n.Load())/float64(b.N), "roundtrips/op")
}

// BenchmarkPutGetTakeParallel shows throughput with many logins at once.
func BenchmarkPutGetTakeParallel(b *testing.B) {
	needRedis(b)
	storetest.BenchPutGetTakeParallel(b, open(b, goredis.NewClient(&goredis.Options{Addr: shared.Addr()}), "benchp"), 1)
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
