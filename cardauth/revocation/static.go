package revocation

import (
	"context"
	"crypto/x509"
	"math/big"
	"sync"
	"time"
)

// Static answers from an in-memory table, keyed by issuer key identifier
// and serial. It serves tests and the card emulator. Safe for concurrent
// use.
type Static struct {
	def Status
	mu  sync.RWMutex
	m   map[string]Result
}

// NewStatic returns a Static that answers def for certificates it has no
// entry for (Good for an emulator that revokes explicitly, Unknown to test
// fail-closed behaviour).
func NewStatic(def Status) *Static {
	return &Static{def: def, m: make(map[string]Result)}
}

// Set records r for the certificate with this issuer key identifier
// (the issuer's SKI, i.e. the certificate's AKI keyid) and serial.
func (s *Static) Set(issuerKeyID []byte, serial *big.Int, r Result) {
	s.mu.Lock()
	s.m[staticKey(issuerKeyID, serial)] = r
	s.mu.Unlock()
}

// Revoke records the certificate as revoked with an RFC 5280 reason code.
func (s *Static) Revoke(issuerKeyID []byte, serial *big.Int, reason int, at time.Time) {
	s.Set(issuerKeyID, serial, Result{Status: Revoked, Reason: reason, RevokedAt: at})
}

// Check implements Checker.
func (s *Static) Check(_ context.Context, cert, issuer *x509.Certificate) (Result, error) {
	s.mu.RLock()
	r, ok := s.m[staticKey(IssuerKeyID(cert, issuer), cert.SerialNumber)]
	s.mu.RUnlock()
	if !ok {
		r = Result{Status: s.def}
	}
	if r.Source == "" {
		r.Source = "static"
	}
	if r.CheckedAt.IsZero() {
		r.CheckedAt = time.Now()
	}
	return r, nil
}

func staticKey(kid []byte, serial *big.Int) string {
	return string(appendKey(nil, kid, serial))
}
