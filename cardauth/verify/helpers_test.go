package verify

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"sync"
	"testing"
	"time"

	"github.com/inkan-id/inkan/cardauth/clientdata"
	"github.com/inkan-id/inkan/cardauth/revocation"
	"github.com/inkan-id/inkan/cardauth/vcard/testca"
)

// now is the fixed clock of these tests.
var now = time.Date(2026, 3, 1, 3, 4, 5, 0, time.UTC)

const (
	testOrigin = "https://id.example.jp"
	testTx     = "tx_0123456789abcdef"
)

var testNonce = []byte("0123456789abcdef0123456789abcdef")

var holder = testca.Holder{Name: "山田\u3000花子", Birthdate: "1990-01-02", Address: "東京都千代田区千代田１－１", Gender: "2"}

// Keys and CAs are expensive (RSA key generation), so tests share them.
var shared = sync.OnceValues(func() (*fixtures, error) {
	f := &fixtures{}
	var err error
	if f.ca, err = testca.New(now.Add(-365 * 24 * time.Hour)); err != nil {
		return nil, err
	}
	if f.rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return nil, err
	}
	if f.ecKey, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader); err != nil {
		return nil, err
	}
	return f, nil
})

type fixtures struct {
	ca     *testca.CA
	rsaKey *rsa.PrivateKey
	ecKey  *ecdsa.PrivateKey
}

// otherCA is a second, untrusted test CA; built only by the tests that
// need it, since the fuzz workers start faster without it.
var otherCA = sync.OnceValues(func() (*testca.CA, error) { return testca.New(now.Add(-365 * 24 * time.Hour)) })

func (f *fixtures) other(t testing.TB) *testca.CA {
	t.Helper()
	ca, err := otherCA()
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func fx(t testing.TB) *fixtures {
	t.Helper()
	f, err := shared()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// issue has the shared test CA certify key's public half.
func (f *fixtures) issue(t testing.TB, ca *testca.CA, k testca.Kind, pub crypto.PublicKey, opt *testca.Options) *x509.Certificate {
	t.Helper()
	c, err := ca.Issue(k, pub, holder, now.Add(-24*time.Hour), opt)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// clientData builds canonical client_data for purpose p, edited by mod.
func clientData(t testing.TB, p Purpose, mod func(*clientdata.ClientData)) []byte {
	t.Helper()
	cd := clientdata.ClientData{Type: clientdata.TypeAuth, Origin: testOrigin, TransactionID: testTx, Nonce: testNonce, Time: now.Add(-10 * time.Second)}
	if p == Sign {
		cd.Type = clientdata.TypeSign
	}
	if mod != nil {
		mod(&cd)
	}
	b, err := cd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sign signs msg the way the card does.
func sign(t testing.TB, key crypto.Signer, msg []byte) []byte {
	t.Helper()
	var sig []byte
	var err error
	switch k := key.(type) {
	case *rsa.PrivateKey:
		h := sha256.Sum256(msg)
		sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, h[:])
	case *ecdsa.PrivateKey:
		h := sha512.Sum384(msg)
		sig, err = ecdsa.SignASN1(rand.Reader, k, h[:])
	}
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func expect(p Purpose) Expect {
	return Expect{Purpose: p, Origin: testOrigin, TransactionID: testTx, Nonce: testNonce, NotBefore: now.Add(-time.Minute), MaxAge: 3 * time.Minute}
}

// testRoots trusts both roots of ca in Test mode.
func testRoots(t testing.TB, ca *testca.CA) *Roots {
	t.Helper()
	r := NewRoots(Test)
	for _, k := range []testca.Kind{testca.Auth, testca.Sign} {
		if err := r.AddTestRoot(ca.Root(k)); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// newVerifier returns a test-mode Verifier over the shared CA, with every
// certificate Good unless mod changes the config.
func newVerifier(t testing.TB, mod func(*Config)) *Verifier {
	t.Helper()
	cfg := Config{
		Roots:      testRoots(t, fx(t).ca),
		Revocation: revocation.NewStatic(revocation.Good),
		Now:        func() time.Time { return now },
	}
	if mod != nil {
		mod(&cfg)
	}
	v, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var bg = context.Background()
