package bolt_test

import (
	"path/filepath"
	"runtime"
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

// BenchmarkPutGetTakeParallel shows throughput with several logins at once
// (one goroutine per CPU).
func BenchmarkPutGetTakeParallel(b *testing.B) {
	benchPutGetTakeParallel(b, 1)
}

// BenchmarkPutGetTakeParallel32 is a login burst: 32 goroutines whatever
// the CPU count, which is what group commit is for.
func BenchmarkPutGetTakeParallel32(b *testing.B) {
	benchPutGetTakeParallel(b, max(1, 32/runtime.GOMAXPROCS(0)))
}

// benchPutGetTakeParallel runs the life of a code on parallelism×GOMAXPROCS
// goroutines.
func benchPutGetTakeParallel(b *testing.B, parallelism int) {
	s := open(b, filepath.Join(b.TempDir(), "inkan.db"), nil)
	ctx := b.Context()
	val := make([]byte, 200)
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(parallelism)
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
