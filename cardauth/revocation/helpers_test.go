package revocation

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
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

// ocspEntry is one SingleResponse of a hand-built OCSP response.
type ocspEntry struct {
	issuer *x509.Certificate // whose name and key the CertID hashes
	serial int64
	status int // ocsp.Good, ocsp.Revoked or ocsp.Unknown
}

// The ASN.1 of an OCSP response (RFC 6960 §4.2.1), enough to write one with
// several SingleResponses: ocsp.CreateResponse only writes one.
type (
	asn1CertID struct {
		HashAlgorithm pkix.AlgorithmIdentifier
		NameHash      []byte
		IssuerKeyHash []byte
		SerialNumber  *big.Int
	}
	asn1RevokedInfo struct {
		RevocationTime time.Time       `asn1:"generalized"`
		Reason         asn1.Enumerated `asn1:"explicit,tag:0,optional"`
	}
	asn1SingleResponse struct {
		CertID     asn1CertID
		Good       asn1.Flag       `asn1:"tag:0,optional"`
		Revoked    asn1RevokedInfo `asn1:"tag:1,optional"`
		Unknown    asn1.Flag       `asn1:"tag:2,optional"`
		ThisUpdate time.Time       `asn1:"generalized"`
		NextUpdate time.Time       `asn1:"generalized,explicit,tag:0,optional"`
	}
	asn1ResponseData struct {
		ResponderID asn1.RawValue
		ProducedAt  time.Time `asn1:"generalized"`
		Responses   []asn1SingleResponse
	}
	asn1BasicResponse struct {
		TBSResponseData    asn1.RawValue
		SignatureAlgorithm pkix.AlgorithmIdentifier
		Signature          asn1.BitString
	}
	asn1ResponseBytes struct {
		ResponseType asn1.ObjectIdentifier
		Response     []byte
	}
	asn1OCSPResponse struct {
		Status   asn1.Enumerated
		Response asn1ResponseBytes `asn1:"explicit,tag:0"`
	}
)

// ocspMultiResponse has signer (an ECDSA P-256 CA, the issuer itself) sign a
// response holding entries in order, fresh from thisUpdate to nextUpdate.
func ocspMultiResponse(t testing.TB, signer *x509.Certificate, key crypto.Signer, thisUpdate, nextUpdate time.Time, entries ...ocspEntry) []byte {
	t.Helper()
	sha1Hash := func(b []byte) []byte { h := sha1.Sum(b); return h[:] }
	signerKey, ok := subjectPublicKeyBits(signer.RawSubjectPublicKeyInfo)
	if !ok {
		t.Fatal("signer SPKI")
	}
	keyHash, err := asn1.Marshal(sha1Hash(signerKey))
	if err != nil {
		t.Fatal(err)
	}
	rd := asn1ResponseData{
		ResponderID: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 2, IsCompound: true, Bytes: keyHash}, // byKey
		ProducedAt:  thisUpdate,
	}
	for _, e := range entries {
		ik, ok := subjectPublicKeyBits(e.issuer.RawSubjectPublicKeyInfo)
		if !ok {
			t.Fatal("issuer SPKI")
		}
		sr := asn1SingleResponse{
			CertID: asn1CertID{
				HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidSHA1, Parameters: asn1.NullRawValue},
				NameHash:      sha1Hash(e.issuer.RawSubject),
				IssuerKeyHash: sha1Hash(ik),
				SerialNumber:  big.NewInt(e.serial),
			},
			ThisUpdate: thisUpdate,
			NextUpdate: nextUpdate,
		}
		switch e.status {
		case ocsp.Good:
			sr.Good = true
		case ocsp.Revoked:
			sr.Revoked = asn1RevokedInfo{RevocationTime: thisUpdate, Reason: ReasonKeyCompromise}
		default:
			sr.Unknown = true
		}
		rd.Responses = append(rd.Responses, sr)
	}
	tbs, err := asn1.Marshal(rd)
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256(tbs)
	sig, err := key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	basic, err := asn1.Marshal(asn1BasicResponse{
		TBSResponseData:    asn1.RawValue{FullBytes: tbs},
		SignatureAlgorithm: pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}}, // ecdsa-with-SHA256
		Signature:          asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := asn1.Marshal(asn1OCSPResponse{Response: asn1ResponseBytes{ResponseType: oidOCSPBasic, Response: basic}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
