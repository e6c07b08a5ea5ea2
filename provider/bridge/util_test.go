package bridge

import (
	"crypto/x509"
	"testing"
	"time"

	"github.com/inkan-id/inkan/cardauth/revocation"
)

func mustParse(t testing.TB, der []byte) *x509.Certificate {
	t.Helper()
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func revocationUnknown() revocation.Result {
	return revocation.Result{Status: revocation.Unknown, Source: "test outage"}
}

func revocationGood() revocation.Result {
	return revocation.Result{Status: revocation.Good, CheckedAt: time.Now()}
}
