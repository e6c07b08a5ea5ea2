package testca

import (
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/inkan-id/inkan/cardauth/profile"
)

// Extension OIDs this package writes by hand.
var (
	oidExtSubjectAltName   = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidExtIssuerAltName    = asn1.ObjectIdentifier{2, 5, 29, 18}
	oidExtCRLDP            = asn1.ObjectIdentifier{2, 5, 29, 31}
	oidExtCertPolicies     = asn1.ObjectIdentifier{2, 5, 29, 32}
	oidExtAuthorityKeyID   = asn1.ObjectIdentifier{2, 5, 29, 35}
	tagDirectoryName       = cbasn1.Tag(4).ContextSpecific().Constructed()
	tagCtx0Constructed     = cbasn1.Tag(0).ContextSpecific().Constructed()
	tagAKIKeyID            = cbasn1.Tag(0).ContextSpecific()
	tagAKICertIssuer       = cbasn1.Tag(1).ContextSpecific().Constructed()
	tagAKICertSerialNumber = cbasn1.Tag(2).ContextSpecific()
)

// addDirName adds GeneralName directoryName [4] (EXPLICIT, since Name is a
// CHOICE) holding the DER Name dn.
func addDirName(b *cryptobyte.Builder, dn []byte) {
	b.AddASN1(tagDirectoryName, func(b *cryptobyte.Builder) { b.AddBytes(dn) })
}

// dirNameGeneralNames is GeneralNames with one directoryName.
func dirNameGeneralNames(dn []byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { addDirName(b, dn) })
	return b.BytesOrPanic()
}

// altNameExt is a subjectAltName or issuerAltName with one DirName.
func altNameExt(oid asn1.ObjectIdentifier, dn []byte) pkix.Extension {
	return pkix.Extension{Id: oid, Value: dirNameGeneralNames(dn)}
}

// crlDPExt is cRLDistributionPoints with a single fullName DirName and no
// URL, the way JPKI publishes CRLs (to registered verifiers, by directory).
func crlDPExt(dn []byte) pkix.Extension {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // CRLDistributionPoints
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // DistributionPoint
			b.AddASN1(tagCtx0Constructed, func(b *cryptobyte.Builder) { // distributionPoint
				b.AddASN1(tagCtx0Constructed, func(b *cryptobyte.Builder) { // fullName GeneralNames
					addDirName(b, dn)
				})
			})
		})
	})
	return pkix.Extension{Id: oidExtCRLDP, Value: b.BytesOrPanic()}
}

// policiesExt is a critical certificatePolicies extension, each policy with
// the JPKI CPS qualifier. crypto/x509 always writes policies non-critical,
// so the real profile needs this hand-built version.
func policiesExt(policies []asn1.ObjectIdentifier) (pkix.Extension, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, p := range policies {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // PolicyInformation
				b.AddASN1ObjectIdentifier(p)
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // policyQualifiers
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // PolicyQualifierInfo
						b.AddASN1ObjectIdentifier(profile.OIDQualifierCPS)
						b.AddASN1(cbasn1.IA5String, func(b *cryptobyte.Builder) { b.AddBytes([]byte(profile.CPSURL)) })
					})
				})
			})
		}
	})
	der, err := b.Bytes() // fails on an invalid OID from Options
	if err != nil {
		return pkix.Extension{}, errors.New("testca: invalid policy OID")
	}
	return pkix.Extension{Id: oidExtCertPolicies, Critical: true, Value: der}, nil
}

// akiExt is authorityKeyIdentifier with keyIdentifier plus
// authorityCertIssuer and authorityCertSerialNumber. Real JPKI certificates
// carry all three; the serial is how a verifier tells root generations that
// share one DN apart. crypto/x509 writes only the keyid.
func akiExt(root *x509.Certificate) pkix.Extension {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(tagAKIKeyID, func(b *cryptobyte.Builder) { b.AddBytes(root.SubjectKeyId) })
		b.AddASN1(tagAKICertIssuer, func(b *cryptobyte.Builder) { addDirName(b, root.RawSubject) })
		// [2] IMPLICIT CertificateSerialNumber: INTEGER contents, new tag.
		b.AddASN1(tagAKICertSerialNumber, func(b *cryptobyte.Builder) { b.AddBytes(integerContents(root.SerialNumber)) })
	})
	return pkix.Extension{Id: oidExtAuthorityKeyID, Value: b.BytesOrPanic()}
}

// integerContents returns the DER contents octets of a non-negative INTEGER.
func integerContents(n *big.Int) []byte {
	b := n.Bytes()
	if len(b) == 0 || b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return b
}

// keyID is the RFC 5280 §4.2.1.2 method (1) key identifier: SHA-1 of the
// subjectPublicKey BIT STRING. crypto/x509 computes it only for CAs.
func keyID(spki []byte) ([]byte, error) {
	in := cryptobyte.String(spki)
	var body, alg cryptobyte.String
	var bits asn1.BitString
	if !in.ReadASN1(&body, cbasn1.SEQUENCE) ||
		!body.ReadASN1(&alg, cbasn1.SEQUENCE) ||
		!body.ReadASN1BitString(&bits) {
		return nil, errors.New("testca: cannot parse SubjectPublicKeyInfo")
	}
	sum := sha1.Sum(bits.Bytes)
	return sum[:], nil
}
