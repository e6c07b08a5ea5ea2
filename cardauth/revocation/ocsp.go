package revocation

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"golang.org/x/crypto/ocsp"
)

// OCSP source defaults.
const (
	DefaultOCSPTimeout = 5 * time.Second
	DefaultOCSPMaxSize = 64 << 10
	DefaultOCSPSkew    = 2 * time.Minute
	DefaultOCSPMaxAge  = time.Hour
)

// OCSPSource asks an RFC 6960 OCSP responder over HTTP POST.
//
// The response must be signed by the issuer, or by a delegated responder
// certificate that the issuer signed and that carries id-kp-OCSPSigning;
// it must name this certificate (serial and issuer hashes) and be fresh.
// The zero value is usable; set URL when the responder differs from the one
// in the certificate's AIA (a platform operator's gateway, a test CA).
type OCSPSource struct {
	// URL overrides cert.OCSPServer.
	URL string
	// Client sends the request; nil uses a client that does not follow
	// redirects.
	Client *http.Client
	// Timeout bounds one request (default DefaultOCSPTimeout).
	Timeout time.Duration
	// MaxSize caps the response body (default DefaultOCSPMaxSize).
	MaxSize int64
	// Skew tolerates clock differences with the responder when checking
	// thisUpdate and nextUpdate (default DefaultOCSPSkew).
	Skew time.Duration
	// MaxAge bounds the age of a response without nextUpdate
	// (default DefaultOCSPMaxAge).
	MaxAge time.Duration
	// Hash is the CertID hash. The default is SHA-1, the one every
	// responder must support (RFC 5019 §2.1.1); the CertID is an
	// identifier, not a signature, so SHA-1 is not a weakness here.
	Hash crypto.Hash
	// Now returns the current time (default time.Now).
	Now func() time.Time
}

// Check implements Checker.
func (s *OCSPSource) Check(ctx context.Context, cert, issuer *x509.Certificate) (Result, error) {
	now := s.now()
	url := s.URL
	if url == "" {
		if i := slices.IndexFunc(cert.OCSPServer, isURL); i >= 0 {
			url = cert.OCSPServer[i]
		}
	}
	res := Result{Source: "ocsp:" + url, CheckedAt: now}
	if url == "" {
		return res, ErrNoResponder
	}
	hash := s.Hash
	if hash == 0 {
		hash = crypto.SHA1
	}
	req, err := ocsp.CreateRequest(cert, issuer, &ocsp.RequestOptions{Hash: hash})
	if err != nil {
		return res, fmt.Errorf("revocation: building OCSP request: %w", err)
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultOCSPTimeout
	}
	maxSize := s.MaxSize
	if maxSize <= 0 {
		maxSize = DefaultOCSPMaxSize
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	body, err := httpDo(ctx, s.Client, url, req, "application/ocsp-request", "application/ocsp-response", maxSize)
	if err != nil {
		return res, fmt.Errorf("revocation: OCSP %s: %w", url, err)
	}
	r, err := s.evaluate(body, cert, issuer, now)
	r.Source, r.CheckedAt = res.Source, now
	if err != nil {
		return r, fmt.Errorf("revocation: OCSP %s: %w", url, err)
	}
	return r, nil
}

func (s *OCSPSource) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// evaluate turns an OCSP response body into a Result. It is pure (no I/O)
// so that it can be fuzzed.
func (s *OCSPSource) evaluate(body []byte, cert, issuer *x509.Certificate, now time.Time) (Result, error) {
	var res Result
	status, ids, err := ocspCertIDs(body)
	if err != nil {
		return res, err
	}
	if status != int(ocsp.Success) {
		return res, fmt.Errorf("%w: %s", ErrResponder, ocsp.ResponseStatus(status))
	}
	if err := checkCertIDs(ids, cert, issuer); err != nil {
		return res, err
	}
	// issuer nil: we check who signed below, with rules x/crypto lacks.
	r, err := ocsp.ParseResponseForCert(body, cert, nil)
	if err != nil {
		var re ocsp.ResponseError
		if errors.As(err, &re) {
			return res, fmt.Errorf("%w: %v", ErrResponder, err)
		}
		return res, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if r.SerialNumber == nil || r.SerialNumber.Cmp(cert.SerialNumber) != 0 {
		return res, ErrMismatch
	}
	if err := s.checkSigner(r, issuer, now); err != nil {
		return res, err
	}
	skew := s.Skew
	if skew <= 0 {
		skew = DefaultOCSPSkew
	}
	maxAge := s.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultOCSPMaxAge
	}
	res.ThisUpdate, res.NextUpdate = r.ThisUpdate, r.NextUpdate
	switch {
	case r.ThisUpdate.After(now.Add(skew)):
		return res, fmt.Errorf("%w: thisUpdate %s is in the future", ErrStale, r.ThisUpdate.UTC().Format(time.RFC3339))
	case !r.NextUpdate.IsZero() && r.NextUpdate.Before(now.Add(-skew)):
		return res, fmt.Errorf("%w: nextUpdate %s has passed", ErrStale, r.NextUpdate.UTC().Format(time.RFC3339))
	case !r.NextUpdate.IsZero() && r.NextUpdate.Before(r.ThisUpdate):
		return res, fmt.Errorf("%w: nextUpdate before thisUpdate", ErrMalformed)
	case r.NextUpdate.IsZero() && r.ThisUpdate.Before(now.Add(-maxAge)):
		return res, fmt.Errorf("%w: response from %s is too old", ErrStale, r.ThisUpdate.UTC().Format(time.RFC3339))
	}
	switch r.Status {
	case ocsp.Good:
		res.Status = Good
	case ocsp.Revoked:
		res.Status, res.Reason, res.RevokedAt = Revoked, r.RevocationReason, r.RevokedAt
	default:
		res.Status = Unknown
	}
	return res, nil
}

// checkCertIDs requires exactly one SingleResponse with the certificate's
// serial, and that it names the issuer. ParseResponseForCert takes the
// status from the first SingleResponse whose serial matches, without looking
// at the issuer hashes: if we accepted a response because some other entry
// matched, a good entry for another CA's certificate with the same serial
// (JPKI generations share one DN) could answer for a revoked one. Several
// entries for the serial are ambiguous, so they are refused even when all
// name our issuer.
func checkCertIDs(ids []certID, cert, issuer *x509.Certificate) error {
	i := slices.IndexFunc(ids, func(id certID) bool { return id.serialNum.Cmp(cert.SerialNumber) == 0 })
	switch {
	case i < 0:
		return ErrMismatch
	case slices.ContainsFunc(ids[i+1:], func(id certID) bool { return id.serialNum.Cmp(cert.SerialNumber) == 0 }):
		return fmt.Errorf("%w: OCSP response holds several answers for serial %s", ErrMalformed, cert.SerialNumber)
	case !ids[i].matches(cert, issuer):
		return ErrMismatch
	}
	return nil
}

// checkSigner verifies that the issuer, or a responder the issuer
// delegated to (RFC 6960 §4.2.2.2), signed the response.
func (s *OCSPSource) checkSigner(r *ocsp.Response, issuer *x509.Certificate, now time.Time) error {
	rc := r.Certificate
	if rc == nil || bytes.Equal(rc.Raw, issuer.Raw) {
		// Signed by the issuer itself (ParseResponseForCert already checked
		// the signature against an embedded copy; check again against ours).
		if err := r.CheckSignatureFrom(issuer); err != nil {
			return fmt.Errorf("%w: OCSP: %v", ErrBadSignature, err)
		}
		return nil
	}
	// Delegated responder: ParseResponseForCert verified the response with
	// rc's key; now rc must be the issuer's authorised responder.
	if !bytes.Equal(rc.RawIssuer, issuer.RawSubject) {
		return fmt.Errorf("%w: OCSP responder certificate is from another issuer", ErrBadSignature)
	}
	if err := rc.CheckSignatureFrom(issuer); err != nil {
		return fmt.Errorf("%w: OCSP responder certificate: %v", ErrBadSignature, err)
	}
	if !slices.Contains(rc.ExtKeyUsage, x509.ExtKeyUsageOCSPSigning) {
		return fmt.Errorf("%w: OCSP responder certificate lacks id-kp-OCSPSigning", ErrBadSignature)
	}
	if now.Before(rc.NotBefore) || now.After(rc.NotAfter) {
		return fmt.Errorf("%w: OCSP responder certificate is outside its validity", ErrBadSignature)
	}
	return nil
}
