package revocation

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

// t0 is the fixed "now" of these tests.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// testCA is a tiny CA built with crypto/x509, enough to exercise the
// sources without depending on the JPKI test CA.
type testCA struct {
	cert *x509.Certificate
	key  crypto.Signer
}

func newKey(t testing.TB) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// newCA makes a root named cn. ski forces a subject key identifier (to
// forge a generation, or impersonate one); nil lets x509 derive it.
func newCA(t testing.TB, cn string, ski []byte) *testCA {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{Country: []string{"JP"}, Organization: []string{"JPKI-EMU"}, CommonName: cn},
		NotBefore:             t0.Add(-365 * 24 * time.Hour),
		NotAfter:              t0.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		SubjectKeyId:          ski,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key}
}

// leafOpts tunes issue.
type leafOpts struct {
	ocspURL string
	crldp   []byte // raw CRLDistributionPoints extension value
	eku     []x509.ExtKeyUsage
	notAft  time.Time
}

func (ca *testCA) issue(t testing.TB, serial int64, o leafOpts) *x509.Certificate {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{Country: []string{"JP"}, CommonName: "leaf"},
		NotBefore:    t0.Add(-24 * time.Hour),
		NotAfter:     t0.Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  o.eku,
	}
	if !o.notAft.IsZero() {
		tmpl.NotAfter = o.notAft
	}
	if o.ocspURL != "" {
		tmpl.OCSPServer = []string{o.ocspURL}
	}
	if o.crldp != nil {
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidExtCRLDP, Value: o.crldp})
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// responder issues a delegated OCSP responder certificate.
func (ca *testCA) responder(t testing.TB, eku []x509.ExtKeyUsage) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(999),
		Subject:      pkix.Name{CommonName: "OCSP responder"},
		NotBefore:    t0.Add(-24 * time.Hour),
		NotAfter:     t0.Add(30 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  eku,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// crl signs a CRL valid from thisUpdate to nextUpdate.
func (ca *testCA) crl(t testing.TB, thisUpdate, nextUpdate time.Time, revoked []x509.RevocationListEntry, exts ...pkix.Extension) []byte {
	t.Helper()
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:                    big.NewInt(7),
		ThisUpdate:                thisUpdate,
		NextUpdate:                nextUpdate,
		RevokedCertificateEntries: revoked,
		ExtraExtensions:           exts,
	}, ca.cert, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// ocspResponse signs an OCSP response about issuer's certificate serial.
// signerCert may be the issuer itself or a delegated responder.
func ocspResponse(t testing.TB, issuer, signerCert *x509.Certificate, key crypto.Signer, tmpl ocsp.Response) []byte {
	t.Helper()
	if signerCert != issuer {
		tmpl.Certificate = signerCert // delegated: embed the responder certificate
	}
	b, err := ocsp.CreateResponse(issuer, signerCert, tmpl, key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dirNameDP encodes a CRLDistributionPoints (or, wrapped, an IDP) value
// with one DirName full name, like JPKI's municipality partitions.
func dirNameGN(t testing.TB, cn string) []byte {
	t.Helper()
	name, err := asn1.Marshal(pkix.Name{Country: []string{"JP"}, CommonName: cn}.ToRDNSequence())
	if err != nil {
		t.Fatal(err)
	}
	gn, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: name})
	if err != nil {
		t.Fatal(err)
	}
	return gn
}

// ctx0 wraps content in a [0] constructed tag.
func ctxTag(t testing.TB, tag int, content []byte) []byte {
	t.Helper()
	b, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: tag, IsCompound: true, Bytes: content})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func seq(t testing.TB, content []byte) []byte {
	t.Helper()
	b, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: content})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// crldpValue is a CRLDistributionPoints extension value with one DirName.
func crldpValue(t testing.TB, cn string) []byte {
	return seq(t, seq(t, ctxTag(t, 0, ctxTag(t, 0, dirNameGN(t, cn)))))
}

// idpValue is an IssuingDistributionPoint extension value with one DirName.
func idpValue(t testing.TB, cn string) []byte {
	return seq(t, ctxTag(t, 0, ctxTag(t, 0, dirNameGN(t, cn))))
}

// server serves body (or status) and counts requests.
type server struct {
	*httptest.Server
	hits atomic.Int64
}

func newServer(t testing.TB, h func(w http.ResponseWriter, r *http.Request)) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func fixedNow(t time.Time) func() time.Time { return func() time.Time { return t } }

// clock is an adjustable test clock.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock { c := &clock{}; c.ns.Store(t.UnixNano()); return c }
func (c *clock) Now() time.Time   { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Add(d time.Duration) {
	c.ns.Add(int64(d))
}
