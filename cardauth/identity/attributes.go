package identity

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/inkan-id/inkan/cardauth/profile"
)

// Attributes are the basic four attributes (基本4情報) of a signature
// certificate, plus the substitute-character maps that must travel with them
// (jpki.md §9.2) so downstream systems know which characters were replaced.
type Attributes struct {
	// Name is 氏名: surname and given name separated by U+3000.
	Name string
	// NameSubstitutes is the raw '0'/'1' map, one per character of Name.
	NameSubstitutes string
	// Gender is the raw code: "1" male, "2" female, "3" unknown.
	Gender string
	// Birthdate is the Gregorian birth date as ISO 8601 "YYYY-MM-DD".
	Birthdate string
	// Address is 住所, starting at the prefecture.
	Address string
	// AddressSubstitutes is the raw '0'/'1' map for Address.
	AddressSubstitutes string
	// BirthEra is the era digit the card stores with the birth date:
	// 0 unknown, 1 明治, 2 大正, 3 昭和, 4 平成, 5 令和.
	BirthEra int
}

// Gender codes as stored in the certificate.
const (
	GenderMale    = "1"
	GenderFemale  = "2"
	GenderUnknown = "3"
)

// OIDCGender maps Gender to the OpenID Connect "gender" claim: "male",
// "female", or "other" for code 3 (which the card uses for unknown). It
// returns "" for anything else, so a caller never emits a made-up value.
func (a Attributes) OIDCGender() string {
	switch a.Gender {
	case GenderMale:
		return "male"
	case GenderFemale:
		return "female"
	case GenderUnknown:
		return "other"
	}
	return ""
}

// maxValueRunes bounds every attribute. The profile allows addresses of up to
// 200 characters; names are shorter. The bound keeps a hostile certificate
// from pushing megabytes into storage and logs.
const maxValueRunes = 256

// attrError builds an *AttributeError for one profile OID.
func attrError(kind error, oid []int, detail string) *AttributeError {
	return &AttributeError{Kind: kind, Attribute: profile.SANAttributeName(oid), OID: oid, Detail: detail}
}

// validate checks a against the profile. It is shared by Extract and
// SANExtension so that whatever one accepts, the other does too.
func (a Attributes) validate() error {
	if a.Name == "" {
		return attrError(ErrMissing, profile.OIDName, "")
	}
	if a.Gender == "" {
		return attrError(ErrMissing, profile.OIDGender, "")
	}
	if a.Birthdate == "" {
		return attrError(ErrMissing, profile.OIDBirthdate, "")
	}
	if a.Address == "" {
		return attrError(ErrMissing, profile.OIDAddress, "")
	}
	for _, t := range []struct {
		oid []int
		v   string
	}{
		{profile.OIDName, a.Name},
		{profile.OIDAddress, a.Address},
	} {
		if err := checkText(t.oid, t.v); err != nil {
			return err
		}
	}
	for _, t := range []struct {
		oid []int
		v   string
	}{
		{profile.OIDNameSubstitutes, a.NameSubstitutes},
		{profile.OIDAddressSubstitutes, a.AddressSubstitutes},
	} {
		if err := checkSubstitutes(t.oid, t.v); err != nil {
			return err
		}
	}
	switch a.Gender {
	case GenderMale, GenderFemale, GenderUnknown:
	default:
		return attrError(ErrBadValue, profile.OIDGender, "want 1, 2 or 3")
	}
	if _, err := parseISODate(a.Birthdate); err != nil {
		return attrError(ErrBadValue, profile.OIDBirthdate, err.Error())
	}
	if a.BirthEra < 0 || a.BirthEra > 5 {
		return attrError(ErrBadValue, profile.OIDBirthdate, "era digit out of range 0-5")
	}
	return nil
}

// checkText rejects invalid UTF-8, control characters and oversize values:
// names and addresses end up in ID tokens, pages and logs.
func checkText(oid []int, s string) error {
	if !utf8.ValidString(s) {
		return attrError(ErrWrongStringType, oid, "invalid UTF-8")
	}
	if utf8.RuneCountInString(s) > maxValueRunes {
		return attrError(ErrBadValue, oid, "too long")
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return attrError(ErrBadValue, oid, "control character")
	}
	return nil
}

// checkSubstitutes accepts "" or a string of '0'/'1'. Its length is not
// compared with the value's character count: the profile says "one per
// character", but that has not been confirmed on real cards, and rejecting a
// genuine certificate over it would lock a person out.
func checkSubstitutes(oid []int, s string) error {
	if len(s) > maxValueRunes {
		return attrError(ErrBadValue, oid, "too long")
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '0' && s[i] != '1' {
			return attrError(ErrBadValue, oid, "want only '0' and '1'")
		}
	}
	return nil
}

// defaultSubstitutes returns m, or one '0' per rune of v when m is empty.
func defaultSubstitutes(m, v string) string {
	if m != "" {
		return m
	}
	return strings.Repeat("0", utf8.RuneCountInString(v))
}
