package identity

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/inkan-id/inkan/cardauth/profile"
)

// oidSubjectAltName is id-ce-subjectAltName.
var oidSubjectAltName = asn1.ObjectIdentifier{2, 5, 29, 17}

// tagOtherName is GeneralName's [0] otherName, and also the [0] EXPLICIT
// wrapper around its value; both are constructed.
var tagOtherName = cbasn1.Tag(0).ContextSpecific().Constructed()

// Extract reads the basic four attributes from a signature certificate's
// subjectAltName (jpki.md §5.3). It requires name, gender, birth date and
// address; the substitute maps are optional and returned raw. Any DER or
// profile violation is an *AttributeError; Extract never panics.
func Extract(cert *x509.Certificate) (Attributes, error) {
	if cert == nil {
		return Attributes{}, errors.New("identity: nil certificate")
	}
	var found []byte
	for _, ext := range cert.Extensions {
		if !ext.Id.Equal(oidSubjectAltName) {
			continue
		}
		if found != nil {
			// crypto/x509 rejects duplicate extensions; this guards callers
			// that build certificates by hand.
			return Attributes{}, &AttributeError{Kind: ErrMalformed, Detail: "two subjectAltName extensions"}
		}
		found = ext.Value
	}
	if found == nil {
		return Attributes{}, &AttributeError{Kind: ErrNoSAN}
	}
	return ParseSAN(found)
}

// ParseSAN is Extract on the raw extnValue of a subjectAltName extension
// (the DER of GeneralNames). General names other than otherName, and
// otherNames with other type-ids, are ignored but must still be well formed.
func ParseSAN(der []byte) (Attributes, error) {
	malformed := func(detail string) (Attributes, error) {
		return Attributes{}, &AttributeError{Kind: ErrMalformed, Detail: detail}
	}
	input := cryptobyte.String(der)
	var names cryptobyte.String
	if !input.ReadASN1(&names, cbasn1.SEQUENCE) || !input.Empty() {
		return malformed("GeneralNames is not a single SEQUENCE")
	}
	if names.Empty() {
		// RFC 5280: GeneralNames ::= SEQUENCE SIZE (1..MAX).
		return malformed("empty GeneralNames")
	}

	values := make(map[string]string, 6)
	for !names.Empty() {
		var gn cryptobyte.String
		var tag cbasn1.Tag
		if !names.ReadAnyASN1(&gn, &tag) {
			return malformed("bad GeneralName")
		}
		if tag != tagOtherName {
			continue
		}
		oid, value, err := parseOtherName(gn)
		if err != nil {
			return Attributes{}, err
		}
		name := profile.SANAttributeName(oid)
		if name == "" {
			continue
		}
		if _, dup := values[name]; dup {
			return Attributes{}, attrError(ErrDuplicate, oid, "")
		}
		values[name] = value
	}

	a := Attributes{
		Name:               values["name"],
		NameSubstitutes:    values["name-substitutes"],
		Gender:             values["gender"],
		Address:            values["address"],
		AddressSubstitutes: values["address-substitutes"],
	}
	if b, ok := values["birthdate"]; ok {
		era, iso, err := parseCardBirthdate(b)
		if err != nil {
			return Attributes{}, attrError(ErrBadValue, profile.OIDBirthdate, err.Error())
		}
		a.BirthEra, a.Birthdate = era, iso
	}
	if err := a.validate(); err != nil {
		return Attributes{}, err
	}
	return a, nil
}

// parseOtherName reads the body of
//
//	OtherName ::= SEQUENCE { type-id OID, value [0] EXPLICIT ANY }
//
// (the [0] IMPLICIT GeneralName tag replaces the SEQUENCE tag) and, for the
// JPKI type-ids, requires the value to be a UTF8String.
func parseOtherName(body cryptobyte.String) (asn1.ObjectIdentifier, string, error) {
	var oid asn1.ObjectIdentifier
	if !body.ReadASN1ObjectIdentifier(&oid) {
		return nil, "", &AttributeError{Kind: ErrMalformed, Detail: "bad otherName type-id"}
	}
	var explicit cryptobyte.String
	if !body.ReadASN1(&explicit, tagOtherName) || !body.Empty() {
		return nil, "", attrError(ErrMalformed, oid, "bad otherName value wrapper")
	}
	var inner cryptobyte.String
	var tag cbasn1.Tag
	if !explicit.ReadAnyASN1Element(&inner, &tag) || !explicit.Empty() {
		return nil, "", attrError(ErrMalformed, oid, "bad otherName value")
	}
	if profile.SANAttributeName(oid) == "" {
		return oid, "", nil // not ours; its value may be any type
	}
	if tag != cbasn1.UTF8String {
		return nil, "", attrError(ErrWrongStringType, oid, "")
	}
	var s cryptobyte.String
	if !inner.ReadASN1(&s, cbasn1.UTF8String) {
		return nil, "", attrError(ErrMalformed, oid, "bad UTF8String")
	}
	if !utf8.Valid(s) {
		return nil, "", attrError(ErrWrongStringType, oid, "invalid UTF-8")
	}
	return oid, string(s), nil
}
