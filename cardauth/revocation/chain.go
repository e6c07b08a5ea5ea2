package revocation

import (
	"context"
	"crypto/x509"
	"errors"
)

// Chain asks its Checkers in order. The first definitive answer (Good or
// Revoked) wins; errors and Unknown fall through to the next Checker. If
// none is definitive, Chain returns Unknown with all the errors joined.
type Chain []Checker

// Check implements Checker.
func (c Chain) Check(ctx context.Context, cert, issuer *x509.Certificate) (Result, error) {
	var errs []error
	var last Result
	for _, ch := range c {
		r, err := ch.Check(ctx, cert, issuer)
		if err == nil && (r.Status == Good || r.Status == Revoked) {
			return r, nil
		}
		if err != nil {
			errs = append(errs, err)
		}
		last = r
		if ctx.Err() != nil {
			break
		}
	}
	last.Status = Unknown
	return last, errors.Join(errs...)
}
