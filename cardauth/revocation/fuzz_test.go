package revocation

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

// The fuzz targets check status information against a fixed CA and leaf
// (testdata/fuzzpki.pem) so that the committed seeds verify and the fuzzer
// starts from deep inside the checks. Regenerate both with
//
//	INKAN_WRITE_FUZZ_SEEDS=1 go test -run TestWriteFuzzSeeds ./cardauth/revocation
//
// (this changes the keys, so all seeds are rewritten together).

type fuzzPKI struct {
	ca, leaf *x509.Certificate
	key      crypto.Signer
}

func loadFuzzPKI(t testing.TB) fuzzPKI {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fuzzpki.pem"))
	if err != nil {
		t.Fatal(err)
	}
	var p fuzzPKI
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		switch blk.Headers["Role"] {
		case "ca":
			p.ca, err = x509.ParseCertificate(blk.Bytes)
		case "leaf":
			p.leaf, err = x509.ParseCertificate(blk.Bytes)
		case "ca-key":
			var k any
			k, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
			p.key, _ = k.(crypto.Signer)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if p.ca == nil || p.leaf == nil || p.key == nil {
		t.Fatal("testdata/fuzzpki.pem incomplete")
	}
	return p
}

func FuzzParseCRL(f *testing.F) {
	p := loadFuzzPKI(f)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		parsed, err := parseCRL(b)
		if err != nil {
			if parsed != nil {
				t.Fatal("CRL returned with error")
			}
			return
		}
		snap := &crlSnapshot{parsedCRL: parsed}
		now := parsed.list.ThisUpdate.Add(time.Second)
		r, err := snap.check(p.leaf, p.ca, now, "fuzz")
		if err != nil && r.Status != Unknown {
			t.Fatalf("status %v with error %v", r.Status, err)
		}
		if r.Status == Good || r.Status == Revoked {
			// A definitive answer needs a CRL the CA really signed.
			if parsed.list.CheckSignatureFrom(p.ca) != nil {
				t.Fatal("definitive answer from a CRL the issuer did not sign")
			}
		}
	})
}

func FuzzOCSPResponse(f *testing.F) {
	p := loadFuzzPKI(f)
	f.Add([]byte{})
	f.Add(ocsp.TryLaterErrorResponse)
	src := &OCSPSource{}
	f.Fuzz(func(t *testing.T, b []byte) {
		now := fuzzNow
		r, err := src.evaluate(b, p.leaf, p.ca, now)
		if err != nil && r.Status != Unknown {
			t.Fatalf("status %v with error %v", r.Status, err)
		}
		if err == nil && r.Status != Unknown {
			resp, perr := ocsp.ParseResponseForCert(b, p.leaf, p.ca)
			if perr != nil || resp.SerialNumber.Cmp(p.leaf.SerialNumber) != 0 {
				t.Fatalf("definitive answer from a response x/crypto rejects: %v", perr)
			}
		}
	})
}

// fuzzNow is the time the seeds are fresh at.
var fuzzNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("INKAN_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set INKAN_WRITE_FUZZ_SEEDS=1 to regenerate testdata/fuzz seeds")
	}
	ca := newCA(t, "Fuzz CA", nil)
	leaf := ca.issue(t, 0x054CFCD8, leafOpts{crldp: crldpValue(t, "Minami-ku CRLDP"), ocspURL: "http://ocsp.invalid"})
	keyDER, err := x509.MarshalPKCS8PrivateKey(ca.key)
	if err != nil {
		t.Fatal(err)
	}
	var pemOut []byte
	pemOut = append(pemOut, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Headers: map[string]string{"Role": "ca"}, Bytes: ca.cert.Raw})...)
	pemOut = append(pemOut, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Headers: map[string]string{"Role": "leaf"}, Bytes: leaf.Raw})...)
	pemOut = append(pemOut, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Headers: map[string]string{"Role": "ca-key"}, Bytes: keyDER})...)
	write(t, filepath.Join("testdata", "fuzzpki.pem"), pemOut)

	tu, nu := fuzzNow.Add(-time.Hour), fuzzNow.Add(23*time.Hour)
	entry := []x509.RevocationListEntry{{SerialNumber: leaf.SerialNumber, RevocationTime: tu, ReasonCode: ReasonAffiliationChanged}}
	other := []x509.RevocationListEntry{{SerialNumber: big.NewInt(5), RevocationTime: tu, ReasonCode: ReasonKeyCompromise}}
	crls := map[string][]byte{
		"good":        ca.crl(t, tu, nu, other),
		"revoked":     ca.crl(t, tu, nu, entry),
		"partitioned": ca.crl(t, tu, nu, entry, pkix.Extension{Id: oidExtIssuingDP, Critical: true, Value: idpValue(t, "Minami-ku CRLDP")}),
		"other-dp":    ca.crl(t, tu, nu, nil, pkix.Extension{Id: oidExtIssuingDP, Critical: true, Value: idpValue(t, "Kita-ku CRLDP")}),
		"delta":       ca.crl(t, tu, nu, nil, pkix.Extension{Id: oidExtDeltaCRL, Critical: true, Value: []byte{2, 1, 1}}),
		"empty":       ca.crl(t, tu, nu, nil),
	}
	for name, b := range crls {
		writeSeed(t, "FuzzParseCRL", name, b)
	}
	responder, rkey := ca.responder(t, []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning})
	good := ocsp.Response{Status: ocsp.Good, SerialNumber: leaf.SerialNumber, ThisUpdate: tu, NextUpdate: nu}
	revoked := good
	revoked.Status, revoked.RevokedAt, revoked.RevocationReason = ocsp.Revoked, tu, ReasonSuperseded
	wrongSerial := good
	wrongSerial.SerialNumber = big.NewInt(6)
	// Another generation's CA (same DN, other key) with a good entry for
	// the same serial, ahead of ours.
	otherGen := newCA(t, "Fuzz CA", []byte("other generation"))
	serial := leaf.SerialNumber.Int64()
	resps := map[string][]byte{
		"good":         ocspResponse(t, ca.cert, ca.cert, ca.key, good),
		"revoked":      ocspResponse(t, ca.cert, ca.cert, ca.key, revoked),
		"delegated":    ocspResponse(t, ca.cert, responder, rkey, good),
		"wrong-serial": ocspResponse(t, ca.cert, ca.cert, ca.key, wrongSerial),
		"try-later":    ocsp.TryLaterErrorResponse,
		"other-issuer-first": ocspMultiResponse(t, ca.cert, ca.key, tu, nu,
			ocspEntry{otherGen.cert, serial, ocsp.Good}, ocspEntry{ca.cert, serial, ocsp.Revoked}),
	}
	for name, b := range resps {
		writeSeed(t, "FuzzOCSPResponse", name, b)
	}
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeSeed(t *testing.T, target, name string, b []byte) {
	write(t, filepath.Join("testdata", "fuzz", target, name), fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", b))
}

// TestFuzzSeeds keeps the committed seeds meaningful: each decides the way
// its name says.
func TestFuzzSeeds(t *testing.T) {
	p := loadFuzzPKI(t)
	read := func(target, name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "fuzz", target, name))
		if err != nil {
			t.Fatal(err)
		}
		var s string
		if _, err := fmt.Sscanf(string(b), "go test fuzz v1\n[]byte(%q)\n", &s); err != nil {
			t.Fatalf("%s/%s: %v", target, name, err)
		}
		return []byte(s)
	}
	for name, want := range map[string]Status{"good": Good, "revoked": Revoked, "partitioned": Revoked, "other-dp": Unknown, "empty": Good} {
		parsed, err := parseCRL(read("FuzzParseCRL", name))
		if err != nil {
			t.Fatalf("CRL %s: %v", name, err)
		}
		r, err := (&crlSnapshot{parsedCRL: parsed}).check(p.leaf, p.ca, fuzzNow, "seed")
		if err != nil || r.Status != want {
			t.Errorf("CRL %s: %v %v, want %v", name, r.Status, err, want)
		}
	}
	for name, want := range map[string]Status{"good": Good, "revoked": Revoked, "delegated": Good, "wrong-serial": Unknown, "try-later": Unknown, "other-issuer-first": Unknown} {
		r, err := (&OCSPSource{}).evaluate(read("FuzzOCSPResponse", name), p.leaf, p.ca, fuzzNow)
		if r.Status != want || (want == Unknown) == (err == nil) {
			t.Errorf("OCSP %s: %v %v, want %v", name, r.Status, err, want)
		}
	}
}
