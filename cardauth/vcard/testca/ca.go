package testca

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"
)

// Kind selects one of the two hierarchies.
type Kind int

const (
	// Auth is the user-authentication (利用者証明用) hierarchy.
	Auth Kind = iota
	// Sign is the digital-signature (署名用) hierarchy.
	Sign
)

// String returns "auth" or "sign", the names used in files and on the CLI.
func (k Kind) String() string {
	switch k {
	case Auth:
		return "auth"
	case Sign:
		return "sign"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

func (k Kind) valid() bool { return k == Auth || k == Sign }

// DefaultOCSPURL is the placeholder responder URL written into AIA when
// CA.OCSPURL is empty. Point OCSPURL at a running OCSPHandler instead.
const DefaultOCSPURL = "http://127.0.0.1/ocsp"

// rootYears is the lifetime of a root, as for the J-LIS roots.
const rootYears = 10

// CA is a test JPKI CA with one root per Kind. It is safe for concurrent
// use; the OCSP handler may run while tests issue and revoke.
type CA struct {
	// OCSPURL is written into the AIA of certificates issued afterwards.
	// It is runtime configuration and not saved; empty means DefaultOCSPURL.
	OCSPURL string

	mu    sync.Mutex
	roots [2]*root
}

// root is one hierarchy: its certificate, key and revocation state.
type root struct {
	cert    *x509.Certificate
	key     *rsa.PrivateKey
	issued  map[string]bool       // serial (hex) -> issued by this root
	revoked map[string]revocation // serial (hex) -> revocation
}

// revocation records one revoked serial.
type revocation struct {
	Serial *big.Int
	Reason int
	At     time.Time
}

// New creates a CA with two fresh RSA-2048 roots valid for 10 years from
// now (jpki.md §5.1 profile, JPKI-EMU names).
func New(now time.Time) (*CA, error) {
	ca := &CA{}
	for _, k := range []Kind{Auth, Sign} {
		r, err := newRoot(k, now)
		if err != nil {
			return nil, err
		}
		ca.roots[k] = r
	}
	return ca, nil
}

func newRoot(k Kind, now time.Time) (*root, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("testca: generate %s root key: %w", k, err)
	}
	serial, err := randomSerial(nil)
	if err != nil {
		return nil, err
	}
	dn := rootDN(k)
	spki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("testca: %w", err)
	}
	ski, err := keyID(spki)
	if err != nil {
		return nil, err
	}
	now = now.UTC().Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		RawSubject:            dn,
		NotBefore:             now,
		NotAfter:              now.AddDate(rootYears, 0, 0),
		SignatureAlgorithm:    x509.SHA256WithRSA,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		SubjectKeyId:          ski,
		ExtraExtensions: []pkix.Extension{
			altNameExt(oidExtSubjectAltName, rootAltDN()),
			crlDPExt(dn),
		},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("testca: create %s root: %w", k, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("testca: parse %s root: %w", k, err)
	}
	return &root{cert: cert, key: key, issued: map[string]bool{}, revoked: map[string]revocation{}}, nil
}

// Root returns the root certificate of kind k, or nil for an unknown kind.
// Configure verifiers to trust it explicitly; never by default.
func (ca *CA) Root(k Kind) *x509.Certificate {
	if !k.valid() {
		return nil
	}
	return ca.roots[k].cert
}

// root returns the hierarchy of kind k.
func (ca *CA) root(k Kind) (*root, error) {
	if !k.valid() {
		return nil, fmt.Errorf("testca: unknown kind %d", int(k))
	}
	return ca.roots[k], nil
}

// randomSerial returns a positive serial of four bytes (top bit clear, so
// the DER INTEGER is exactly four bytes like the real 054CFCD8) that is not
// in used.
func randomSerial(used map[string]bool) (*big.Int, error) {
	for range 100 {
		var b [4]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("testca: serial: %w", err)
		}
		b[0] &= 0x7f
		if b[0] == 0 {
			b[0] = 0x01
		}
		n := new(big.Int).SetBytes(b[:])
		if !used[serialKey(n)] {
			return n, nil
		}
	}
	return nil, errors.New("testca: no free serial number")
}

// serialKey is the map key and file form of a serial: lowercase hex.
func serialKey(n *big.Int) string { return n.Text(16) }
