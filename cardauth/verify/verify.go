package verify

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/inkan-id/inkan/cardauth/clientdata"
	"github.com/inkan-id/inkan/cardauth/identity"
	"github.com/inkan-id/inkan/cardauth/revocation"
)

// DefaultMaxAge bounds the age of client_data when Expect.MaxAge is zero.
// Card transactions live at most 3 minutes (design.md step 2).
const DefaultMaxAge = 5 * time.Minute

// Expect is what the transaction the card answered requires.
type Expect struct {
	// Purpose selects the certificate kind, policy, key usage and
	// client_data type.
	Purpose Purpose
	// Origin is the provider's own origin (clientdata.OriginOf(issuer)).
	Origin string
	// TransactionID is the card transaction id.
	TransactionID string
	// Nonce is the transaction nonce.
	Nonce []byte
	// NotBefore is when the transaction was created: client_data cannot
	// be older (minus clock skew).
	NotBefore time.Time
	// MaxAge bounds the age of client_data (default DefaultMaxAge).
	MaxAge time.Duration
}

// Result is a successful verification.
type Result struct {
	// Certificate is the verified end-entity certificate.
	Certificate *x509.Certificate
	// Root is the configured root it chains to.
	Root *x509.Certificate
	// Card identifies the certificate (issuer key id + serial).
	Card identity.CardID
	// ClientData is what the card signed.
	ClientData clientdata.ClientData
	// Revocation is the revocation decision, for the audit log.
	Revocation revocation.Result
	// SoftFailed is set when revocation status was not available and
	// Config.SoftFail let the login through anyway.
	SoftFailed bool
}

// Verify checks one card response: certDER is the certificate read from the
// card, clientData the exact bytes the agent built, signature the card's
// signature over them. It returns a Result only when every check passed,
// and otherwise an *Error.
//
// Checks run cheapest first (sizes, parsing, fields, client_data), then the
// two public-key operations (the card's signature, the chain), then
// revocation, which may need the network.
func (v *Verifier) Verify(ctx context.Context, certDER, clientData, signature []byte, exp Expect) (*Result, error) {
	now := v.now()

	if len(certDER) > v.maxCertSize {
		return nil, fail(CodeCertificateTooLarge, fmt.Errorf("%d bytes, limit %d", len(certDER), v.maxCertSize))
	}
	cert, err := parseStrict(certDER)
	if err != nil {
		return nil, err
	}
	rt, err := v.checkCertificate(cert, exp.Purpose, now)
	if err != nil {
		return nil, err
	}
	card, err := identity.CardIDOf(cert)
	if err != nil {
		return nil, fail(CodeCertificateMalformed, err)
	}
	cd, err := v.checkClientData(clientData, exp, now)
	if err != nil {
		return nil, err
	}
	if err := checkSignature(cert, clientData, signature); err != nil {
		return nil, err
	}
	if _, err := cert.Verify(x509.VerifyOptions{
		Roots:       rt.pool,
		CurrentTime: now,
		// Go defaults KeyUsages to ServerAuth, which no JPKI certificate
		// has (jpki.md §13 item 15): ask for clientAuth on the auth
		// certificate, and for any EKU on the signature certificate,
		// which carries none. Our own checks above are stricter still.
		KeyUsages: keyUsagesFor(exp.Purpose),
	}); err != nil {
		return nil, chainError(err)
	}

	res := &Result{Certificate: cert, Root: rt.cert, Card: card, ClientData: cd}
	rev, err := v.checkRevocation(ctx, cert, rt.cert, exp.Purpose)
	res.Revocation = rev
	definitive := err == nil && (rev.Status == revocation.Good || rev.Status == revocation.Revoked)
	if definitive && v.softFail > 0 {
		v.noteDefinitive(rev.CheckedAt, now)
	}
	switch {
	case err == nil && rev.Status == revocation.Good:
		return res, nil
	case err == nil && rev.Status == revocation.Revoked:
		return nil, fail(CodeCertificateRevoked, fmt.Errorf("revoked at %s, reason %d (%s)", rev.RevokedAt.UTC().Format(time.RFC3339), rev.Reason, rev.Source))
	case v.withinSoftFail(exp.Purpose, now):
		// Unknown or unavailable, for a login, within the outage bound the
		// operator allowed.
		res.Revocation.Status = revocation.Unknown
		res.SoftFailed = true
		return res, nil
	default:
		if err == nil {
			err = fmt.Errorf("status %s from %q", rev.Status, rev.Source)
		}
		return nil, fail(CodeRevocationUnavailable, err)
	}
}

// checkRevocation asks the revocation checker about cert. For eKYC signing
// it asks a FreshChecker (a revocation.Cache) for a fresh answer: jpki.md
// §6.2 reuses a Good answer for minutes at login, but not for a signing
// event. A checker without a cache answers fresh already.
func (v *Verifier) checkRevocation(ctx context.Context, cert, issuer *x509.Certificate, p Purpose) (revocation.Result, error) {
	if p == Sign && v.revFresh != nil {
		return v.revFresh.CheckFresh(ctx, cert, issuer)
	}
	return v.rev.Check(ctx, cert, issuer)
}

// noteDefinitive moves the start of the soft-fail window to at, when the
// revocation source made a definitive decision. It uses the source's time,
// not now: a cache answers from old decisions with a nil error, and taking
// those as fresh would keep the window open for as long as cached cards
// keep logging in during an outage. A zero at (a checker that does not say
// when it decided) is ignored, failing closed; a time past now (the
// source's clock ahead of ours) counts as now; and the window never moves
// backwards, since answers can arrive out of order.
func (v *Verifier) noteDefinitive(at, now time.Time) {
	if at.IsZero() || now.Sub(at) > v.softFail {
		return // cannot open the window (and an ancient time would overflow UnixNano)
	}
	if at.After(now) {
		at = now
	}
	ns := at.UnixNano()
	for {
		last := v.lastDefinitive.Load()
		if ns <= last || v.lastDefinitive.CompareAndSwap(last, ns) {
			return
		}
	}
}

// withinSoftFail reports whether a login may pass without a revocation
// answer: soft-fail is on and the outage began at most softFail ago.
func (v *Verifier) withinSoftFail(p Purpose, now time.Time) bool {
	last := v.lastDefinitive.Load()
	return v.softFail > 0 && p == Auth && last != 0 && now.Sub(time.Unix(0, last)) <= v.softFail
}

func keyUsagesFor(p Purpose) []x509.ExtKeyUsage {
	if p == Sign {
		return []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
	}
	return []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
}

// chainError maps an x509.Verify failure to a code. The explicit checks
// run first, so reaching here mostly means a bad issuer signature.
func chainError(err error) *Error {
	var inv x509.CertificateInvalidError
	if errors.As(err, &inv) {
		switch inv.Reason {
		case x509.Expired:
			return fail(CodeCertificateExpired, err)
		case x509.IncompatibleUsage:
			return fail(CodeWrongKeyUsage, err)
		}
	}
	return fail(CodeUntrustedRoot, err)
}
