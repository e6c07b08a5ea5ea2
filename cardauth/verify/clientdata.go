package verify

import (
	"crypto/subtle"
	"fmt"
	"time"

	"github.com/inkan-id/inkan/cardauth/clientdata"
)

// checkClientData parses client_data strictly and compares every field with
// the transaction.
func (v *Verifier) checkClientData(b []byte, exp Expect, now time.Time) (clientdata.ClientData, error) {
	cd, err := clientdata.Parse(b)
	if err != nil {
		return cd, fail(CodeClientDataMalformed, err)
	}
	want := clientdata.TypeAuth
	if exp.Purpose == Sign {
		want = clientdata.TypeSign
	}
	if cd.Type != want {
		return cd, fail(CodeWrongType, fmt.Errorf("type %q, want %q", cd.Type, want))
	}
	// Binding the origin the agent connected to stops relaying another
	// provider's challenge (design.md step 5). An empty expectation never
	// matches: the caller must say which origin it is.
	if exp.Origin == "" || cd.Origin != exp.Origin {
		return cd, fail(CodeOriginMismatch, fmt.Errorf("origin %q, want %q", cd.Origin, exp.Origin))
	}
	if exp.TransactionID == "" || cd.TransactionID != exp.TransactionID {
		return cd, fail(CodeTransactionMismatch, fmt.Errorf("tx %q, want %q", cd.TransactionID, exp.TransactionID))
	}
	// The nonce is the transaction's secret challenge: compare in
	// constant time, and never accept an empty expectation.
	if len(exp.Nonce) == 0 || subtle.ConstantTimeCompare(cd.Nonce, exp.Nonce) != 1 {
		return cd, fail(CodeNonceMismatch, fmt.Errorf("nonce does not match"))
	}
	maxAge := exp.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	switch {
	case cd.Time.After(now.Add(v.skew)):
		return cd, fail(CodeStaleClientData, fmt.Errorf("time %s is in the future", cd.Time.Format(time.RFC3339)))
	case !exp.NotBefore.IsZero() && cd.Time.Before(exp.NotBefore.Add(-v.skew)):
		return cd, fail(CodeStaleClientData, fmt.Errorf("time %s is before the transaction", cd.Time.Format(time.RFC3339)))
	case now.Sub(cd.Time) > maxAge+v.skew:
		return cd, fail(CodeStaleClientData, fmt.Errorf("time %s is older than %s", cd.Time.Format(time.RFC3339), maxAge))
	}
	return cd, nil
}
