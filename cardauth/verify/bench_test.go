package verify

import (
	"testing"

	"github.com/inkan-id/inkan/cardauth/revocation"
	"github.com/inkan-id/inkan/cardauth/vcard/testca"
)

// BenchmarkVerify is the login hot path: an RSA-2048 auth certificate, a
// warm revocation Cache in front of a Static source.
func BenchmarkVerify(b *testing.B) {
	f := fx(b)
	cert := f.issue(b, f.ca, testca.Auth, f.rsaKey.Public(), nil)
	cd := clientData(b, Auth, nil)
	sig := sign(b, f.rsaKey, cd)
	exp := expect(Auth)
	v := newVerifier(b, func(c *Config) {
		c.Revocation = revocation.NewCache(revocation.NewStatic(revocation.Good), revocation.CacheConfig{})
	})
	if _, err := v.Verify(bg, cert.Raw, cd, sig, exp); err != nil { // warms the cache
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := v.Verify(bg, cert.Raw, cd, sig, exp); err != nil {
			b.Fatal(err)
		}
	}
}
