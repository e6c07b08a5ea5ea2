package bolt_test

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/inkan-id/inkan/provider/store/storetest"
)

// BenchmarkPutGetTake is the life of an authorization code: store it, read
// it, redeem it. Two of the three are fsynced write transactions.
func BenchmarkPutGetTake(b *testing.B) {
	storetest.BenchPutGetTake(b, open(b, filepath.Join(b.TempDir(), "inkan.db"), nil))
}

// BenchmarkPutGetTakeParallel shows throughput with several logins at once
// (one goroutine per CPU).
func BenchmarkPutGetTakeParallel(b *testing.B) {
	storetest.BenchPutGetTakeParallel(b, open(b, filepath.Join(b.TempDir(), "inkan.db"), nil), 1)
}

// BenchmarkPutGetTakeParallel32 is a login burst: 32 goroutines whatever
// the CPU count, which is what group commit is for.
func BenchmarkPutGetTakeParallel32(b *testing.B) {
	storetest.BenchPutGetTakeParallel(b, open(b, filepath.Join(b.TempDir(), "inkan.db"), nil), max(1, 32/runtime.GOMAXPROCS(0)))
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
