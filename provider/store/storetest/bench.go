package storetest

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inkan-id/inkan/provider/store"
)

// BenchPutGetTake runs the life of an authorization code on s — store it,
// read it, redeem it — once per iteration, so every backend is measured on
// the same work.
func BenchPutGetTake(b *testing.B, s store.Backend) {
	val := make([]byte, 200)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := codeLife(b, s, strconv.Itoa(i), val); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchPutGetTakeParallel is BenchPutGetTake on parallelism×GOMAXPROCS
// goroutines, several logins at once.
func BenchPutGetTakeParallel(b *testing.B, s store.Backend, parallelism int) {
	val := make([]byte, 200)
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(parallelism)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := codeLife(b, s, strconv.FormatInt(next.Add(1), 10), val); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func codeLife(b *testing.B, s store.Backend, key string, val []byte) error {
	ctx := b.Context()
	if err := s.Put(ctx, "code", key, val, time.Minute); err != nil {
		return err
	}
	if _, err := s.Get(ctx, "code", key); err != nil {
		return err
	}
	_, err := s.Take(ctx, "code", key)
	return err
}
