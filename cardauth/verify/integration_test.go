package verify

import (
	"crypto/x509"
	"math/big"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/inkan-id/inkan/cardauth/revocation"
	"github.com/inkan-id/inkan/cardauth/vcard/testca"
)

// TestVerifyWithTestCARevocation wires the real sources to the test CA:
// OCSP against its responder, its CRL from a file as the fallback, both
// behind a cache. A revocation at the CA must stop the next login.
func TestVerifyWithTestCARevocation(t *testing.T) {
	ca, err := testca.New(now.Add(-365 * 24 * time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	nowFn := func() time.Time { return now }
	srv := httptest.NewServer(ca.OCSPHandler(nowFn))
	defer srv.Close()
	ca.OCSPURL = srv.URL
	f := fx(t)
	cardA, err := ca.Issue(testca.Auth, f.rsaKey.Public(), holder, now.Add(-24*time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	cardB, err := ca.Issue(testca.Auth, f.rsaKey.Public(), holder, now.Add(-24*time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cardA.OCSPServer) == 0 || cardA.OCSPServer[0] != srv.URL {
		t.Fatalf("AIA = %v", cardA.OCSPServer)
	}
	roots := NewRoots(Test)
	if err := roots.AddTestRoot(ca.Root(testca.Auth)); err != nil {
		t.Fatal(err)
	}
	verifier := func(t *testing.T, checker revocation.Checker) *Verifier {
		v, err := New(Config{Roots: roots, Revocation: checker, Now: nowFn})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	login := func(v *Verifier, card *x509.Certificate) (*Result, error) {
		cd := clientData(t, Auth, nil)
		return v.Verify(bg, card.Raw, cd, sign(t, f.rsaKey, cd), expect(Auth))
	}

	if err := ca.Revoke(testca.Auth, cardB.SerialNumber, revocation.ReasonSuperseded, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}

	t.Run("OCSP", func(t *testing.T) {
		v := verifier(t, revocation.NewCache(&revocation.OCSPSource{Now: nowFn}, revocation.CacheConfig{Now: nowFn}))
		res, err := login(v, cardA)
		if err != nil {
			t.Fatal(err)
		}
		if res.Revocation.Status != revocation.Good || res.Revocation.Source != "ocsp:"+srv.URL {
			t.Fatalf("revocation = %+v", res.Revocation)
		}
		if _, err := login(v, cardB); CodeOf(err) != CodeCertificateRevoked {
			t.Fatalf("revoked card: %v", err)
		}
	})

	t.Run("CRL fallback", func(t *testing.T) {
		crl, err := ca.CRL(testca.Auth, now)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "auth.crl")
		if err := os.WriteFile(path, crl, 0o600); err != nil {
			t.Fatal(err)
		}
		crlSrc, err := revocation.NewCRLSource(revocation.CRLConfig{Location: path, Now: nowFn})
		if err != nil {
			t.Fatal(err)
		}
		down := &revocation.OCSPSource{URL: "http://127.0.0.1:1/ocsp", Timeout: time.Second, Now: nowFn}
		v := verifier(t, revocation.Chain{down, crlSrc})
		res, err := login(v, cardA)
		if err != nil {
			t.Fatal(err)
		}
		if res.Revocation.Source != "crl:"+path {
			t.Fatalf("answered by %q", res.Revocation.Source)
		}
		if _, err := login(v, cardB); CodeOf(err) != CodeCertificateRevoked {
			t.Fatalf("revoked card: %v", err)
		}
	})

	t.Run("unknown serial fails closed", func(t *testing.T) {
		// A serial the CA never issued: the responder says unknown, which
		// the source reports as Unknown (never Good) without an error.
		forged := *cardA
		forged.SerialNumber = big.NewInt(12345)
		r, err := (&revocation.OCSPSource{Now: nowFn}).Check(bg, &forged, ca.Root(testca.Auth))
		if err != nil || r.Status != revocation.Unknown {
			t.Fatalf("OCSP for unissued serial: %+v %v", r, err)
		}
	})
}
