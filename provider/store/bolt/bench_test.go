package bolt_test

import (
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkPutGetTake is the life of an authorization code: store it, read
// it, redeem it. Two of the three are fsynced write transactions.
func BenchmarkPutGetTake(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "inkan.db"), nil)
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
}

// BenchmarkPutGetTakeParallel shows throughput with many logins at once:
// bbolt serializes writers, so this is bounded by fsync latency.
func BenchmarkPutGetTakeParallel(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "inkan.db"), nil)
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

// BenchmarkGet is the read path alone (no fsync).
func BenchmarkGet(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "inkan.db"), nil)
	ctx := b.Context()
	if err := s.Put(ctx, "acct", "a", make([]byte, 200), 0); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Get(ctx, "acct", "a"); err != nil {
			b.Fatal(err)
		}
	}
}
