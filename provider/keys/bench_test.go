package keys

import (
	"context"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// BenchmarkSigner measures the cached path that every token issuance takes.
func BenchmarkSigner(b *testing.B) {
	ctx := context.Background()
	m := newManager(b, openStore(b), masterA, Options{CacheTTL: 1 << 62})
	if err := m.EnsureKeys(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := m.Signer(ctx, jose.ES256); err != nil {
				b.Fatal(err)
			}
		}
	})
}
