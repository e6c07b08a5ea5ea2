package vcard_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/inkan-id/inkan/cardauth/jpki"
	"github.com/inkan-id/inkan/cardauth/vcard"
	"github.com/inkan-id/inkan/cardauth/vcard/testca"
)

var (
	caOnce sync.Once
	ca     *testca.CA
	caErr  error
)

func testCA(t *testing.T) *testca.CA {
	caOnce.Do(func() { ca, caErr = testca.New(time.Now()) })
	if caErr != nil {
		t.Fatal(caErr)
	}
	return ca
}

var holder = testca.Holder{
	Name:      "山田　太郎",
	Birthdate: "1990-01-02",
	Address:   "東京都千代田区千代田１－１",
	Gender:    "1",
}

func TestIssue(t *testing.T) {
	ca := testCA(t)
	now := time.Now()
	f, err := vcard.Issue(ca, vcard.Spec{AuthPIN: "1234", SignPassword: "abc123", Holder: holder}, now)
	if err != nil {
		t.Fatal(err)
	}
	if f.Profile != vcard.ProfileCard || f.Sign.Password != "ABC123" ||
		f.Auth.TriesLeft != 3 || f.Sign.TriesLeft != 5 {
		t.Errorf("issued file: profile %q password %q tries %d/%d",
			f.Profile, f.Sign.Password, f.Auth.TriesLeft, f.Sign.TriesLeft)
	}
	for _, k := range []struct {
		kind testca.Kind
		kp   vcard.KeyPair
	}{{testca.Auth, f.Auth.KeyPair}, {testca.Sign, f.Sign.KeyPair}} {
		cert, err := x509.ParseCertificate(k.kp.Certificate)
		if err != nil {
			t.Fatal(err)
		}
		if err := cert.CheckSignatureFrom(ca.Root(k.kind)); err != nil {
			t.Errorf("%v certificate not issued by the test CA: %v", k.kind, err)
		}
		if pub := cert.PublicKey.(*rsa.PublicKey); pub.N.BitLen() != 2048 {
			t.Errorf("%v key of %d bits", k.kind, pub.N.BitLen())
		}
		if string(k.kp.CACertificate) != string(ca.Root(k.kind).Raw) {
			t.Errorf("%v CA certificate on the card is not the root", k.kind)
		}
	}

	f2, err := vcard.Issue(ca, vcard.Spec{Profile: vcard.ProfileAndroidSE, AuthPIN: "0000", NoSignCert: true, Holder: holder}, now)
	if err != nil {
		t.Fatal(err)
	}
	if f2.Sign != nil || f2.Profile != vcard.ProfileAndroidSE {
		t.Errorf("no-sign card: sign %v profile %q", f2.Sign, f2.Profile)
	}
}

func TestIssueRejectsBadSpecs(t *testing.T) {
	ca := testCA(t)
	for name, spec := range map[string]vcard.Spec{
		"short PIN":       {AuthPIN: "123", SignPassword: "ABC123", Holder: holder},
		"letter PIN":      {AuthPIN: "12a4", SignPassword: "ABC123", Holder: holder},
		"long PIN":        {AuthPIN: "12345", SignPassword: "ABC123", Holder: holder},
		"short password":  {AuthPIN: "1234", SignPassword: "AB123", Holder: holder},
		"long password":   {AuthPIN: "1234", SignPassword: "ABCDEFGH123456789", Holder: holder},
		"letters only":    {AuthPIN: "1234", SignPassword: "ABCDEFG", Holder: holder},
		"digits only":     {AuthPIN: "1234", SignPassword: "1234567", Holder: holder},
		"symbol":          {AuthPIN: "1234", SignPassword: "ABC-123", Holder: holder},
		"unknown profile": {Profile: "juki", AuthPIN: "1234", SignPassword: "ABC123", Holder: holder},
	} {
		if _, err := vcard.Issue(ca, spec, time.Now()); !errors.Is(err, vcard.ErrInvalidSpec) {
			t.Errorf("%s: %v, want ErrInvalidSpec", name, err)
		}
	}
}

// TestJPKIClientInterop runs the project's JPKI client against an issued
// card: the emulator and the client must agree on every byte.
func TestJPKIClientInterop(t *testing.T) {
	ca := testCA(t)
	for _, profile := range []string{vcard.ProfileCard, vcard.ProfileAndroidSE, vcard.ProfileIPhone} {
		t.Run(profile, func(t *testing.T) {
			f, err := vcard.Issue(ca, vcard.Spec{Profile: profile, AuthPIN: "1234", SignPassword: "ABC123", Holder: holder}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			card := vcard.New(f)
			ctx := context.Background()
			msg := []byte(`{"type":"inkan.bridge.auth.v1"}`)
			for _, k := range []jpki.KeyKind{jpki.AuthKey, jpki.SignKey} {
				pin := "1234"
				want := f.Auth.Certificate
				if k == jpki.SignKey {
					pin, want = "ABC123", f.Sign.Certificate
				}
				res, err := jpki.New(card, nil).Login(ctx, jpki.LoginRequest{Key: k, PIN: pin, Message: msg})
				if err != nil {
					t.Fatalf("%v login: %v", k, err)
				}
				if string(res.Certificate) != string(want) {
					t.Errorf("%v: client read a different certificate", k)
				}
				cert, _ := x509.ParseCertificate(res.Certificate)
				sum := sha256.Sum256(msg)
				if err := rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, sum[:], res.Signature); err != nil {
					t.Errorf("%v signature: %v", k, err)
				}
			}
			// A wrong PIN through the client costs exactly one try.
			err = jpki.New(card, nil).Verify(ctx, jpki.AuthKey, "9999", false)
			var wrong *jpki.WrongPINError
			if !errors.As(err, &wrong) {
				t.Fatalf("wrong PIN: %v", err)
			}
			if got := card.File().Auth.TriesLeft; got != 2 {
				t.Errorf("tries left %d, want 2", got)
			}
		})
	}
}
