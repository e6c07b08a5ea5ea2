package verify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"
	"time"
)

// RSA key bounds: 2048 bits is the legal floor (jpki.md §5.4); the ceiling
// keeps a hostile certificate from buying expensive verifications.
const (
	minRSABits = 2048
	maxRSABits = 4096
)

// parseStrict parses DER (x509.ParseCertificate already refuses trailing
// data and BER) and refuses what Go parsed but did not understand.
func parseStrict(der []byte) (*x509.Certificate, error) {
	if len(der) == 0 {
		return nil, fail(CodeCertificateMalformed, errors.New("empty certificate"))
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fail(CodeCertificateMalformed, err)
	}
	if cert.Version != 3 {
		return nil, fail(CodeCertificateMalformed, fmt.Errorf("version %d, want 3", cert.Version))
	}
	if len(cert.UnhandledCriticalExtensions) > 0 {
		return nil, fail(CodeCertificateMalformed, fmt.Errorf("unhandled critical extension %v", cert.UnhandledCriticalExtensions[0]))
	}
	return cert, nil
}

// checkCertificate runs the cheap profile checks and picks the root.
func (v *Verifier) checkCertificate(cert *x509.Certificate, p Purpose, now time.Time) (*root, error) {
	// A card that hands over a CA certificate (its own, or one it claims)
	// is lying about what it is; the roots come only from configuration.
	if (cert.BasicConstraintsValid && cert.IsCA) || cert.KeyUsage&(x509.KeyUsageCertSign|x509.KeyUsageCRLSign) != 0 {
		return nil, fail(CodeCACertificate, errors.New("certificate is a CA certificate"))
	}
	if err := checkKey(cert); err != nil {
		return nil, err
	}
	// Generations share one DN (jpki.md §5.1): the AKI keyid names the root.
	rt, ok := v.roots.byKID[string(cert.AuthorityKeyId)]
	if len(cert.AuthorityKeyId) == 0 || !ok {
		return nil, fail(CodeUntrustedRoot, fmt.Errorf("no configured root with key id %x", cert.AuthorityKeyId))
	}
	if rt.pinned != nil && rt.pinned.purpose != p {
		return nil, fail(CodeUntrustedRoot, fmt.Errorf("root %q is not a %s root", rt.pinned.name, p))
	}
	if now.Before(cert.NotBefore) {
		return nil, fail(CodeCertificateNotYet, fmt.Errorf("valid from %s", cert.NotBefore.UTC().Format(time.RFC3339)))
	}
	if now.After(cert.NotAfter) {
		return nil, fail(CodeCertificateExpired, fmt.Errorf("expired %s", cert.NotAfter.UTC().Format(time.RFC3339)))
	}
	policies := v.authPolicies
	if p == Sign {
		policies = v.signPolicies
	}
	if !slices.ContainsFunc(cert.PolicyIdentifiers, func(id asn1.ObjectIdentifier) bool {
		return slices.ContainsFunc(policies, id.Equal)
	}) {
		return nil, fail(CodeWrongPolicy, fmt.Errorf("policies %v, want one of %v", cert.PolicyIdentifiers, policies))
	}
	switch p {
	case Auth:
		if cert.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
			return nil, fail(CodeWrongKeyUsage, errors.New("keyUsage lacks digitalSignature"))
		}
		// Checked here because x509.Verify treats a certificate without
		// any EKU as good for every usage; JPKI auth certificates carry
		// clientAuth and we require it.
		if !slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageClientAuth) {
			return nil, fail(CodeWrongKeyUsage, errors.New("extKeyUsage lacks clientAuth"))
		}
	case Sign:
		if cert.KeyUsage&x509.KeyUsageContentCommitment == 0 {
			return nil, fail(CodeWrongKeyUsage, errors.New("keyUsage lacks nonRepudiation"))
		}
	default:
		return nil, fail(CodeWrongPolicy, fmt.Errorf("unknown purpose %d", p))
	}
	return rt, nil
}

// checkKey enforces the key and certificate-signature algorithms of the
// current card (RSA-2048, e=65537, sha256WithRSA, jpki.md §7 step 3) and
// of the planned ECDSA P-384 generation (§10).
func checkKey(cert *x509.Certificate) error {
	switch cert.SignatureAlgorithm {
	case x509.SHA256WithRSA, x509.ECDSAWithSHA384:
	default:
		return fail(CodeUnsupportedKey, fmt.Errorf("certificate signature algorithm %v", cert.SignatureAlgorithm))
	}
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if n := k.N.BitLen(); n < minRSABits || n > maxRSABits {
			return fail(CodeUnsupportedKey, fmt.Errorf("RSA key of %d bits", n))
		}
		if k.E != 65537 {
			return fail(CodeUnsupportedKey, fmt.Errorf("RSA exponent %d", k.E))
		}
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P384() {
			return fail(CodeUnsupportedKey, fmt.Errorf("ECDSA curve %s", k.Curve.Params().Name))
		}
	default:
		return fail(CodeUnsupportedKey, fmt.Errorf("key type %T", cert.PublicKey))
	}
	return nil
}
