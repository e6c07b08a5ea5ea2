package revocation

import (
	"crypto/sha256"
	"crypto/x509"
	"math/big"
	"slices"
)

// IssuerKeyID returns the key identifier that names cert's issuer key: the
// issuer's subjectKeyIdentifier, else cert's authorityKeyIdentifier keyid,
// else a SHA-256 of the issuer's public key. With the serial it identifies
// a JPKI certificate across root generations that share one DN.
func IssuerKeyID(cert, issuer *x509.Certificate) []byte {
	if issuer != nil && len(issuer.SubjectKeyId) > 0 {
		return issuer.SubjectKeyId
	}
	if len(cert.AuthorityKeyId) > 0 {
		return cert.AuthorityKeyId
	}
	if issuer != nil {
		h := sha256.Sum256(issuer.RawSubjectPublicKeyInfo)
		return h[:]
	}
	return nil
}

// appendKey appends an unambiguous encoding of (kid, serial) to b: a
// length-prefixed key id, a sign byte, and the serial's magnitude. It
// avoids big.Int's text formatting, which would dominate a cache hit.
func appendKey(b, kid []byte, serial *big.Int) []byte {
	if len(kid) > 255 {
		h := sha256.Sum256(kid)
		kid = h[:]
	}
	b = append(b, byte(len(kid)))
	b = append(b, kid...)
	if serial == nil {
		return append(b, 0)
	}
	b = append(b, byte(serial.Sign()+1))
	n := (serial.BitLen() + 7) / 8
	b = slices.Grow(b, n)
	start := len(b)
	b = b[:start+n]
	serial.FillBytes(b[start:])
	return b
}
