// Package profile holds the object identifiers and fixed strings of the JPKI
// certificate profile (jpki.md §5 and §16), so that the verifier, the identity
// extractor and the test CA all name the same things the same way.
//
// The DigestInfo prefixes used when signing live in cardauth/jpki, next to
// the COMPUTE DIGITAL SIGNATURE command that needs them.
package profile

import "encoding/asn1"

// Certificate policies (certificatePolicies, marked critical on real cards).
// The policy OID is what separates the auth, sign and test hierarchies: the
// roots of one type share a DN across generations, so names cannot.
var (
	// PolicyAuth is the JPKI user-authentication (利用者証明用) certificate policy.
	PolicyAuth = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 1, 3, 30}
	// PolicySign is the JPKI digital-signature (署名用) certificate policy.
	PolicySign = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 1, 1, 20}
	// PolicyTestSign is the signature policy observed on JPKI-TEST cards. It is a
	// single observation (jpki.md §5.1); production must never accept it.
	PolicyTestSign = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 1, 0, 20}
)

// CPSURL is the certification practice statement URI carried as the CPS
// policy qualifier on real end-entity certificates.
const CPSURL = "http://www.jpki.go.jp/cps.html"

// OIDQualifierCPS is id-qt-cps (RFC 5280 §4.2.1.4), the policy qualifier type
// for CPSURL.
var OIDQualifierCPS = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 2, 1}

// OIDExtKeyUsageClientAuth is id-kp-clientAuth, the EKU on the auth certificate.
var OIDExtKeyUsageClientAuth = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 2}

// OIDSHA256WithRSA is sha256WithRSAEncryption, the signature algorithm of
// every current JPKI certificate.
var OIDSHA256WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}

// Subject alternative name otherName type-ids on the signature certificate
// (jpki.md §5.3). Values are [0] EXPLICIT UTF8String.
var (
	// OIDName is 氏名, the holder's full name; surname and given name are
	// separated by an ideographic space (U+3000).
	OIDName = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 1}
	// OIDNameSubstitutes is 氏名代替文字の使用位置情報: one '0' or '1' per
	// character of the name, '1' where a substitute character was used.
	OIDNameSubstitutes = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 2}
	// OIDGender is 性別: "1" male, "2" female, "3" unknown.
	OIDGender = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 3}
	// OIDBirthdate is 生年月日 in the form EYYYYMMDD: an era digit followed by
	// the Gregorian date.
	OIDBirthdate = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 4}
	// OIDAddress is 住所, starting at the prefecture, without postcode.
	OIDAddress = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 5}
	// OIDAddressSubstitutes is 住所代替文字の使用位置情報, the substitute map for
	// the address, in the same form as OIDNameSubstitutes.
	OIDAddressSubstitutes = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 6}
)

// SANAttribute describes one otherName attribute of the signature certificate.
type SANAttribute struct {
	// OID is the otherName type-id.
	OID asn1.ObjectIdentifier
	// Name is a short English name, stable for logs and error messages.
	Name string
	// Japanese is the name used by the J-LIS profile.
	Japanese string
}

// SANAttributes lists the six otherName attributes in OID order.
var SANAttributes = []SANAttribute{
	{OIDName, "name", "氏名"},
	{OIDNameSubstitutes, "name-substitutes", "氏名代替文字の使用位置情報"},
	{OIDGender, "gender", "性別"},
	{OIDBirthdate, "birthdate", "生年月日"},
	{OIDAddress, "address", "住所"},
	{OIDAddressSubstitutes, "address-substitutes", "住所代替文字の使用位置情報"},
}

// SANAttributeName returns the short English name of a SAN otherName OID, or
// "" when the OID is not one of the six JPKI attributes.
func SANAttributeName(oid asn1.ObjectIdentifier) string {
	for _, a := range SANAttributes {
		if a.OID.Equal(oid) {
			return a.Name
		}
	}
	return ""
}
