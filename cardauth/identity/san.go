package identity

import (
	"crypto/x509/pkix"
	"encoding/asn1"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/inkan-id/inkan/cardauth/profile"
)

// SANExtension builds the non-critical subjectAltName extension of a
// signature certificate holding a, with the otherNames in the order real
// cards use (.1, .4, .3, .5, .2, .6; jpki.md §5.3). Empty substitute maps
// default to one '0' per character. a must pass the same checks Extract
// applies, so every extension built here can be read back.
func SANExtension(a Attributes) (pkix.Extension, error) {
	a.NameSubstitutes = defaultSubstitutes(a.NameSubstitutes, a.Name)
	a.AddressSubstitutes = defaultSubstitutes(a.AddressSubstitutes, a.Address)
	if err := a.validate(); err != nil {
		return pkix.Extension{}, err
	}
	birth, err := cardBirthdate(a.BirthEra, a.Birthdate)
	if err != nil {
		return pkix.Extension{}, attrError(ErrBadValue, profile.OIDBirthdate, err.Error())
	}
	entries := []struct {
		oid asn1.ObjectIdentifier
		v   string
	}{
		{profile.OIDName, a.Name},
		{profile.OIDBirthdate, birth},
		{profile.OIDGender, a.Gender},
		{profile.OIDAddress, a.Address},
		{profile.OIDNameSubstitutes, a.NameSubstitutes},
		{profile.OIDAddressSubstitutes, a.AddressSubstitutes},
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, e := range entries {
			b.AddASN1(tagOtherName, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(e.oid)
				b.AddASN1(tagOtherName, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.UTF8String, func(b *cryptobyte.Builder) {
						b.AddBytes([]byte(e.v))
					})
				})
			})
		}
	})
	der, err := b.Bytes()
	if err != nil {
		return pkix.Extension{}, &AttributeError{Kind: ErrMalformed, Detail: err.Error()}
	}
	return pkix.Extension{Id: oidSubjectAltName, Value: der}, nil
}
