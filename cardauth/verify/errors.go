package verify

import "errors"

// Code is a stable, machine-readable reason for a failed verification. The
// provider maps codes to HTTP errors; the strings never change.
type Code string

// Error codes.
const (
	CodeCertificateMalformed  Code = "certificate_malformed"
	CodeCertificateTooLarge   Code = "certificate_too_large"
	CodeUntrustedRoot         Code = "untrusted_root"
	CodeCertificateExpired    Code = "certificate_expired"
	CodeCertificateNotYet     Code = "certificate_not_yet_valid"
	CodeWrongPolicy           Code = "wrong_policy"
	CodeWrongKeyUsage         Code = "wrong_key_usage"
	CodeCACertificate         Code = "ca_certificate"
	CodeUnsupportedKey        Code = "unsupported_key"
	CodeBadSignature          Code = "bad_signature"
	CodeClientDataMalformed   Code = "client_data_malformed"
	CodeWrongType             Code = "wrong_type"
	CodeOriginMismatch        Code = "origin_mismatch"
	CodeTransactionMismatch   Code = "transaction_mismatch"
	CodeNonceMismatch         Code = "nonce_mismatch"
	CodeStaleClientData       Code = "stale_client_data"
	CodeCertificateRevoked    Code = "certificate_revoked"
	CodeRevocationUnavailable Code = "revocation_unavailable"
)

// messages are the user-safe texts: they say what is wrong without
// echoing attacker input or internal detail.
var messages = map[Code]string{
	CodeCertificateMalformed:  "the card certificate could not be read",
	CodeCertificateTooLarge:   "the card certificate is too large",
	CodeUntrustedRoot:         "the card certificate was not issued by a trusted JPKI authority",
	CodeCertificateExpired:    "the card certificate has expired",
	CodeCertificateNotYet:     "the card certificate is not valid yet",
	CodeWrongPolicy:           "the card certificate is not of the required kind",
	CodeWrongKeyUsage:         "the card certificate may not be used for this purpose",
	CodeCACertificate:         "a CA certificate was supplied instead of the card certificate",
	CodeUnsupportedKey:        "the card key or certificate algorithm is not supported",
	CodeBadSignature:          "the card signature does not verify",
	CodeClientDataMalformed:   "the signed request could not be read",
	CodeWrongType:             "the signed request is for another purpose",
	CodeOriginMismatch:        "the signed request was made for another site",
	CodeTransactionMismatch:   "the signed request is for another transaction",
	CodeNonceMismatch:         "the signed request does not answer this challenge",
	CodeStaleClientData:       "the signed request is too old or from the future",
	CodeCertificateRevoked:    "the card certificate has been revoked",
	CodeRevocationUnavailable: "the revocation status of the card certificate could not be checked",
}

// Error is the one error type Verify returns. Message is safe to show to a
// user; Err (the cause) is for logs only.
type Error struct {
	Code    Code
	Message string
	Err     error
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		return "verify: " + string(e.Code) + ": " + e.Err.Error()
	}
	return "verify: " + string(e.Code) + ": " + e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is lets errors.Is(err, &Error{Code: c}) test for a code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Err == nil
}

// CodeOf returns the Code of err, or "" when err is not (or does not wrap)
// an *Error.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// fail builds an *Error with the safe message for code.
func fail(code Code, cause error) *Error {
	return &Error{Code: code, Message: messages[code], Err: cause}
}
