package revocation

import (
	"errors"
	"fmt"
)

// Errors returned (wrapped) by the sources. Test with errors.Is.
var (
	// ErrMalformed: the CRL or OCSP response could not be parsed, or uses a
	// feature this package refuses to interpret (delta CRLs, indirect CRLs,
	// unknown critical extensions, an OCSP response with several answers
	// for the certificate's serial).
	ErrMalformed = errors.New("revocation: malformed status information")
	// ErrBadSignature: the status information is not signed by the issuer
	// (or by a responder the issuer authorised).
	ErrBadSignature = errors.New("revocation: not signed by the certificate's issuer")
	// ErrMismatch: an OCSP response answers for another certificate.
	ErrMismatch = errors.New("revocation: status information is for another certificate")
	// ErrStale: the status information is outside its validity window.
	ErrStale = errors.New("revocation: status information is not fresh")
	// ErrTooLarge: the download exceeded the configured size cap.
	ErrTooLarge = errors.New("revocation: status information exceeds size limit")
	// ErrNoResponder: no OCSP URL is configured or in the certificate.
	ErrNoResponder = errors.New("revocation: no OCSP responder for certificate")
	// ErrResponder: the OCSP responder answered with an error status
	// (tryLater, unauthorized, ...).
	ErrResponder = errors.New("revocation: OCSP responder refused")
)

// HTTPError is returned when a CRL or OCSP server answers with a status
// other than 200.
type HTTPError struct {
	URL        string
	StatusCode int
}

// Error implements error.
func (e *HTTPError) Error() string {
	return fmt.Sprintf("revocation: %s answered HTTP %d", e.URL, e.StatusCode)
}
