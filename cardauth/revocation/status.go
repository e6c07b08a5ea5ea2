package revocation

import (
	"context"
	"crypto/x509"
	"time"
)

// Status is the revocation state of one certificate.
type Status int

const (
	// Unknown means the source holds no usable answer for this certificate.
	// It is the zero value so that a forgotten assignment fails closed.
	Unknown Status = iota
	// Good means signed, fresh status information lists the certificate as
	// not revoked.
	Good
	// Revoked means the certificate is revoked (JPKI never releases a hold,
	// so every listed certificate counts as revoked for good).
	Revoked
)

// String returns "good", "revoked" or "unknown".
func (s Status) String() string {
	switch s {
	case Good:
		return "good"
	case Revoked:
		return "revoked"
	default:
		return "unknown"
	}
}

// CRL reason codes (RFC 5280 §5.3.1) that JPKI uses (jpki.md §6.1).
const (
	ReasonUnspecified          = 0
	ReasonKeyCompromise        = 1
	ReasonCACompromise         = 2
	ReasonAffiliationChanged   = 3 // JPKI: certificate contents changed (move, marriage)
	ReasonSuperseded           = 4 // JPKI: renewed
	ReasonCessationOfOperation = 5
	ReasonCertificateHold      = 6 // never released in JPKI
)

// Result is one revocation decision, kept for the audit log.
type Result struct {
	// Status is the decision.
	Status Status
	// Reason is the RFC 5280 CRLReason code when Status is Revoked.
	Reason int
	// RevokedAt is the revocation time when Status is Revoked.
	RevokedAt time.Time
	// ThisUpdate and NextUpdate bound the validity of the status
	// information the decision came from (zero NextUpdate: not given).
	ThisUpdate, NextUpdate time.Time
	// Source names where the decision came from, e.g. "crl:<location>",
	// "ocsp:<url>" or "static".
	Source string
	// CheckedAt is when the source made the decision (not when a cache
	// returned it).
	CheckedAt time.Time
}

// Checker reports the revocation status of cert, issued by issuer.
//
// Implementations must be safe for concurrent use. On failure they return a
// Result with Status Unknown and a non-nil error; Unknown with a nil error
// means the source simply has nothing to say about this certificate (for
// example, a CRL of another issuer). Callers must treat Unknown, with or
// without an error, as "not known to be good".
type Checker interface {
	Check(ctx context.Context, cert, issuer *x509.Certificate) (Result, error)
}

// FreshChecker is a Checker that can also answer without reusing a cached
// Good answer. eKYC signing asks it this way: jpki.md §6.2 allows a Good
// answer to be reused for minutes at login, but not for a signing event.
// A Checker without a cache is fresh already and need not implement it.
type FreshChecker interface {
	Checker
	// CheckFresh is Check, except that a Good answer must come from the
	// source now. A cached Revoked answer may still be returned, since
	// JPKI revocation is forever.
	CheckFresh(ctx context.Context, cert, issuer *x509.Certificate) (Result, error)
}

// CheckerFunc adapts a function to Checker.
type CheckerFunc func(ctx context.Context, cert, issuer *x509.Certificate) (Result, error)

// Check calls f.
func (f CheckerFunc) Check(ctx context.Context, cert, issuer *x509.Certificate) (Result, error) {
	return f(ctx, cert, issuer)
}
