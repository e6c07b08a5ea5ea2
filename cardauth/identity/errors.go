package identity

import (
	"encoding/asn1"
	"errors"
	"fmt"
)

// Error kinds. An *AttributeError wraps exactly one of these, so callers can
// branch with errors.Is and still show the detailed message.
var (
	// ErrNoSAN means the certificate has no subjectAltName extension, as an
	// auth certificate never has.
	ErrNoSAN = errors.New("no subjectAltName extension")
	// ErrMalformed means the DER of the extension or of an otherName is not
	// well formed, or has trailing data.
	ErrMalformed = errors.New("malformed DER")
	// ErrWrongStringType means an attribute value is not a UTF8String, or is
	// not valid UTF-8.
	ErrWrongStringType = errors.New("value is not a UTF8String")
	// ErrBadValue means the value has the right type but breaks the profile:
	// an impossible birth date, an unknown gender code, control characters.
	ErrBadValue = errors.New("invalid value")
	// ErrDuplicate means the same attribute OID appears twice; which one to
	// believe would be a guess, so neither is.
	ErrDuplicate = errors.New("duplicate attribute")
	// ErrMissing means a required attribute is absent.
	ErrMissing = errors.New("missing attribute")
	// ErrNoAuthorityKeyID means a certificate lacks the authorityKeyIdentifier
	// keyid that CardID needs to tell root generations apart.
	ErrNoAuthorityKeyID = errors.New("identity: certificate has no authority key identifier")
	// ErrNoSerial means a certificate has no usable (positive) serial number.
	ErrNoSerial = errors.New("identity: certificate has no positive serial number")
)

// AttributeError reports why the basic-four attributes could not be read or
// written. Attribute and OID are empty when the problem is the extension as
// a whole rather than one attribute.
type AttributeError struct {
	// Kind is one of the Err* values above.
	Kind error
	// Attribute is the short name from profile.SANAttributes ("name",
	// "birthdate", ...), or "".
	Attribute string
	// OID is the otherName type-id concerned, or nil.
	OID asn1.ObjectIdentifier
	// Detail is a human-readable explanation. It never contains the value
	// itself: these are personal data and errors end up in logs.
	Detail string
}

// Error describes the problem without quoting the personal data involved.
func (e *AttributeError) Error() string {
	msg := "identity: " + e.Kind.Error()
	if e.Attribute != "" {
		msg += fmt.Sprintf(" in %s (%s)", e.Attribute, e.OID)
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Unwrap returns Kind.
func (e *AttributeError) Unwrap() error { return e.Kind }
