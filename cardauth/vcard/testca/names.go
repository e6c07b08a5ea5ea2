package testca

import (
	"encoding/asn1"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Attribute types used in the distinguished names below.
var (
	oidCountry    = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidLocality   = asn1.ObjectIdentifier{2, 5, 4, 7}
	oidOrg        = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOrgUnit    = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidCommonName = asn1.ObjectIdentifier{2, 5, 4, 3}
)

// rdn is one single-valued relative distinguished name.
type rdn struct {
	oid   asn1.ObjectIdentifier
	value string
}

// encodeDN writes a Name with one attribute per RDN, in the given order.
// crypto/x509's pkix.Name would put repeated OUs into one multi-valued RDN
// and choose string types itself; the JPKI names have two OUs and two Ls as
// separate RDNs and use UTF8String (PrintableString only for C, as RFC 5280
// requires).
func encodeDN(rdns ...rdn) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, r := range rdns {
			b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(r.oid)
					tag := cbasn1.UTF8String
					if r.oid.Equal(oidCountry) {
						tag = cbasn1.PrintableString
					}
					b.AddASN1(tag, func(b *cryptobyte.Builder) { b.AddBytes([]byte(r.value)) })
				})
			})
		}
	})
	return b.BytesOrPanic() // only fails on builder misuse, not on input
}

// Fixed names of the emulated hierarchy. The strings deliberately differ
// from J-LIS's ("JPKI-EMU" for "JPKI") and carry a not-for-production OU.
const (
	orgEmu       = "JPKI-EMU"
	ouNotForProd = "Inkan test CA - not for production"
	// orgEmuJa stands in for 公的個人認証サービス in the alt names.
	orgEmuJa = "公的個人認証サービス試験用エミュレータ"
)

// ouFor is the type OU, as in "JPKI for user authentication".
func ouFor(k Kind) string {
	if k == Sign {
		return "JPKI-EMU for digital signature"
	}
	return "JPKI-EMU for user authentication"
}

// rootDN is the subject (and issuer) of the root of kind k.
func rootDN(k Kind) []byte {
	return encodeDN(
		rdn{oidCountry, "JP"},
		rdn{oidOrg, orgEmu},
		rdn{oidOrgUnit, ouFor(k)},
		rdn{oidOrgUnit, ouNotForProd},
	)
}

// rootAltDN is the DirName in the root's subjectAltName.
func rootAltDN() []byte {
	return encodeDN(rdn{oidCountry, "JP"}, rdn{oidOrg, orgEmuJa})
}

// issuerAltDN is the DirName in end-entity issuerAltName, modelled on
// "C=JP, O=公的個人認証サービス, OU=公的個人認証サービス利用者証明用, OU=地方公共団体情報システム機構".
func issuerAltDN(k Kind) []byte {
	ou := "利用者証明用"
	if k == Sign {
		ou = "署名用"
	}
	return encodeDN(
		rdn{oidCountry, "JP"},
		rdn{oidOrg, orgEmuJa},
		rdn{oidOrgUnit, orgEmuJa + ou},
		rdn{oidOrgUnit, ouNotForProd},
	)
}

// crlDPDN is the municipality-partitioned CRL distribution point DirName.
// Every test certificate is "issued" in Chiyoda-ku, Tokyo.
func crlDPDN(k Kind) []byte {
	return encodeDN(
		rdn{oidCountry, "JP"},
		rdn{oidOrg, orgEmu},
		rdn{oidOrgUnit, ouFor(k)},
		rdn{oidOrgUnit, "CRL Distribution Points"},
		rdn{oidOrgUnit, "Tokyo"},
		rdn{oidCommonName, "Chiyoda-ku CRLDP"},
	)
}

// subjectDN is the end-entity subject: C=JP, CN=id for auth, and the
// holder's locality added for sign (jpki.md §5.3; exact real layout
// uncertain).
func subjectDN(k Kind, cn string) []byte {
	if k == Sign {
		return encodeDN(
			rdn{oidCountry, "JP"},
			rdn{oidLocality, "Tokyo"},
			rdn{oidLocality, "Chiyoda-ku"},
			rdn{oidCommonName, cn},
		)
	}
	return encodeDN(rdn{oidCountry, "JP"}, rdn{oidCommonName, cn})
}
