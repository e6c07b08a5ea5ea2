package revocation_test

import (
	"context"
	"crypto/x509"
	"log"
	"time"

	"github.com/inkan-id/inkan/cardauth/revocation"
)

// A production wiring: OCSP first (same-day accuracy), the daily CRL as a
// fallback, and a cache in front so that only the first login of a card in
// five minutes touches either.
func Example() {
	crl, err := revocation.NewCRLSource(revocation.CRLConfig{Location: "/var/lib/inkan/jpki-auth.crl"})
	if err != nil {
		log.Fatal(err)
	}
	checker := revocation.NewCache(revocation.Chain{
		&revocation.OCSPSource{Timeout: 3 * time.Second},
		crl,
	}, revocation.CacheConfig{GoodTTL: 5 * time.Minute})

	var cert, issuer *x509.Certificate // from cardauth/verify
	if cert == nil {
		return
	}
	res, err := checker.Check(context.Background(), cert, issuer)
	if err != nil || res.Status != revocation.Good {
		// Unknown is not Good: fail closed unless policy says otherwise.
		log.Printf("refusing: %v %v", res.Status, err)
	}
}
