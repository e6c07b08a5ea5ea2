package verify

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"errors"
	"fmt"
)

// checkSignature verifies the card's signature over client_data:
// RSASSA-PKCS1-v1_5 over SHA-256 for RSA cards (the card signs a SHA-256
// DigestInfo, jpki.md §2.4), ASN.1 ECDSA over SHA-384 for P-384 keys.
func checkSignature(cert *x509.Certificate, msg, sig []byte) error {
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if len(sig) != k.Size() {
			return fail(CodeBadSignature, fmt.Errorf("signature is %d bytes, want %d", len(sig), k.Size()))
		}
		h := sha256.Sum256(msg)
		if err := rsa.VerifyPKCS1v15(k, crypto.SHA256, h[:], sig); err != nil {
			return fail(CodeBadSignature, err)
		}
	case *ecdsa.PublicKey:
		h := sha512.Sum384(msg)
		if !ecdsa.VerifyASN1(k, h[:], sig) {
			return fail(CodeBadSignature, errors.New("ECDSA signature does not verify"))
		}
	default:
		return fail(CodeUnsupportedKey, fmt.Errorf("key type %T", cert.PublicKey))
	}
	return nil
}
