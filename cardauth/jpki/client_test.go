package jpki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/inkan-id/inkan/cardauth"
)

var ctx = context.Background()

func signCmd(t *testing.T, msg []byte) string {
	t.Helper()
	sum := sha256.Sum256(msg)
	di, err := DigestInfo(crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return "802a009733" + hex.EncodeToString(di) + "00"
}

func fakeSig() string { return hex.EncodeToString(bytes.Repeat([]byte{0x5A}, 256)) }

func TestLoginCold(t *testing.T) {
	cert := fakeCert(1579) // 1,583 bytes with header, like a real auth certificate
	msg := []byte(`{"type":"inkan.bridge.auth.v1"}`)
	steps := []step{
		{selectAP, "9000"},
		{selectAuthPIN, "9000"},
		{counterQuery, "63c3"},
		{verify1234, "9000"},
	}
	steps = append(steps, readSteps(0x0A, cert, 17)...)
	steps = append(steps, step{signCmd(t, msg), fakeSig() + "9000"})
	s := &script{t: t, steps: steps}
	counter := &cardauth.Counter{T: s}
	res, err := New(counter, nil).Login(ctx, LoginRequest{PIN: "1234", Message: msg})
	if err != nil {
		t.Fatal(err)
	}
	s.done()
	if !bytes.Equal(res.Certificate, cert) || !res.CertRead {
		t.Fatalf("certificate not read whole and trimmed: %d bytes", len(res.Certificate))
	}
	if n, _, _ := counter.Counts(); n != 12 {
		t.Fatalf("cold login took %d APDUs, the sequence has 12", n)
	}
}

func TestLoginWarm(t *testing.T) {
	cert := fakeCert(1579)
	msg := []byte("m")
	s := &script{t: t, steps: []step{
		{selectAP, "9000"},
		{selectAuthPIN, "9000"},
		{counterQuery, "63c3"},
		{verify1234, "9000"},
		{signCmd(t, msg), fakeSig() + "9000"},
	}}
	res, err := New(s, nil).Login(ctx, LoginRequest{PIN: "1234", Message: msg, Certificate: cert})
	if err != nil {
		t.Fatal(err)
	}
	s.done()
	if res.CertRead || !bytes.Equal(res.Certificate, cert) {
		t.Fatal("warm login read the certificate")
	}
}

func TestVerifyPaths(t *testing.T) {
	tests := []struct {
		name    string
		pin     string
		confirm bool
		steps   []step
		check   func(error) bool
	}{
		{"ok", "1234", false, []step{{selectAuthPIN, "9000"}, {counterQuery, "63c3"}, {verify1234, "9000"}},
			func(err error) bool { return err == nil }},
		{"wrong pin 2 left", "1234", false, []step{{selectAuthPIN, "9000"}, {counterQuery, "63c3"}, {verify1234, "63c2"}},
			func(err error) bool { var w *WrongPINError; return errors.As(err, &w) && w.Remaining == 2 }},
		{"wrong pin blocks", "1234", true, []step{{selectAuthPIN, "9000"}, {counterQuery, "63c1"}, {verify1234, "63c0"}},
			func(err error) bool { var w *WrongPINError; return errors.As(err, &w) && errors.Is(err, ErrPINBlocked) }},
		{"last try refused without confirmation", "1234", false, []step{{selectAuthPIN, "9000"}, {counterQuery, "63c1"}},
			func(err error) bool { return errors.Is(err, ErrLastTry) }},
		{"blocked counter: no VERIFY sent", "1234", true, []step{{selectAuthPIN, "9000"}, {counterQuery, "63c0"}},
			func(err error) bool { return errors.Is(err, ErrPINBlocked) }},
		{"blocked 6984 on query", "1234", true, []step{{selectAuthPIN, "9000"}, {counterQuery, "6984"}},
			func(err error) bool { return errors.Is(err, ErrPINBlocked) }},
		{"6984 on verify", "1234", false, []step{{selectAuthPIN, "9000"}, {counterQuery, "63c3"}, {verify1234, "6984"}},
			func(err error) bool { return errors.Is(err, ErrPINBlocked) }},
		{"already verified answers 9000", "1234", false, []step{{selectAuthPIN, "9000"}, {counterQuery, "9000"}, {verify1234, "9000"}},
			func(err error) bool { return err == nil }},
		{"no PIN EF", "1234", false, []step{{selectAuthPIN, "6a82"}},
			func(err error) bool { return errors.Is(err, ErrFileNotFound) }},
		{"odd status keeps its SW", "1234", false, []step{{selectAuthPIN, "9000"}, {counterQuery, "6a86"}},
			func(err error) bool { var s *StatusError; return errors.As(err, &s) && s.SW == 0x6A86 }},
		{"3 digits: nothing sent", "123", false, nil,
			func(err error) bool { var p *PINFormatError; return errors.As(err, &p) }},
		{"letters: nothing sent", "12a4", false, nil,
			func(err error) bool { var p *PINFormatError; return errors.As(err, &p) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, s := run(t, tc.steps...)
			err := c.Verify(ctx, AuthKey, tc.pin, tc.confirm)
			if !tc.check(err) {
				t.Fatalf("err = %v", err)
			}
			s.done()
		})
	}
}

func TestSignPasswordUppercased(t *testing.T) {
	c, s := run(t, step{selectSignPIN, "9000"}, step{counterQuery, "63c5"},
		step{"0020008006" + hex.EncodeToString([]byte("ABC123")), "9000"})
	if err := c.Verify(ctx, SignKey, "abc123", false); err != nil {
		t.Fatal(err)
	}
	s.done()
}

func TestNormalizePIN(t *testing.T) {
	for _, tc := range []struct {
		k    KeyKind
		pin  string
		want string
	}{
		{AuthKey, "0000", "0000"},
		{AuthKey, "12345", ""},
		{AuthKey, "１２３４", ""}, // full-width digits
		{AuthKey, "", ""},
		{SignKey, "abc123", "ABC123"},
		{SignKey, "ABCDEF", ""},            // no digit
		{SignKey, "123456", ""},            // no letter
		{SignKey, "AB12", ""},              // too short
		{SignKey, "ABCDEFGH123456789", ""}, // 17
		{SignKey, "ABC 123", ""},
		{SignKey, "ıbc123", ""}, // dotless i uppercases to I in Unicode; refused
		{SignKey, "A1b2C3d4E5f6G7h8", "A1B2C3D4E5F6G7H8"},
	} {
		got, err := NormalizePIN(tc.k, tc.pin)
		if tc.want == "" {
			var p *PINFormatError
			if !errors.As(err, &p) {
				t.Errorf("NormalizePIN(%v, %q) = %q, %v; want *PINFormatError", tc.k, tc.pin, got, err)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("NormalizePIN(%v, %q) = %q, %v; want %q", tc.k, tc.pin, got, err, tc.want)
		}
	}
}

func TestReadCertificate(t *testing.T) {
	cert := fakeCert(600)
	tests := []struct {
		name  string
		steps []step
		check func([]byte, error) bool
	}{
		{"filler trimmed", readSteps(0x0A, cert, 300),
			func(b []byte, err error) bool { return err == nil && bytes.Equal(b, cert) }},
		{"SFI refused falls back to SELECT", append([]step{
			{"00b08a0000", "6a86"}, {"00a4020c02000a", "9000"}, {"00b0000000", hex.EncodeToString(cert[:256]) + "9000"}},
			readSteps(0x0A, cert, 0)[1:]...),
			func(b []byte, err error) bool { return err == nil && bytes.Equal(b, cert) }},
		{"no current EF after SFI read", []step{
			{"00b08a0000", hex.EncodeToString(cert[:256]) + "9000"},
			{"00b0010000", "6986"}, {"00a4020c02000a", "9000"},
			{"00b0010000", hex.EncodeToString(cert[256:512]) + "9000"},
			{"00b002005c", hex.EncodeToString(cert[512:]) + "9000"}},
			func(b []byte, err error) bool { return err == nil && bytes.Equal(b, cert) }},
		{"short chunks are continued", []step{
			{"00b08a0000", hex.EncodeToString(cert[:100]) + "9000"},
			{"00b0006400", hex.EncodeToString(cert[100:356]) + "9000"},
			{"00b00164f8", hex.EncodeToString(cert[356:]) + "9000"}},
			func(b []byte, err error) bool { return err == nil && bytes.Equal(b, cert) }},
		{"file shorter than DER says", []step{
			{"00b08a0000", hex.EncodeToString(cert[:256]) + "9000"},
			{"00b0010000", "6b00"}},
			func(b []byte, err error) bool { var c *CertificateError; return errors.As(err, &c) }},
		{"over-long chunk", []step{
			{"00b08a0000", hex.EncodeToString(cert[:256]) + "9000"},
			{"00b0010000", hex.EncodeToString(bytes.Repeat([]byte{1}, 300)) + "9000"}},
			func(b []byte, err error) bool { return errors.Is(err, ErrMalformedResponse) }},
		{"empty chunk", []step{
			{"00b08a0000", hex.EncodeToString(cert[:256]) + "9000"},
			{"00b0010000", "9000"}},
			func(b []byte, err error) bool { var c *CertificateError; return errors.As(err, &c) }},
		{"bogus DER (indefinite length)", []step{{"00b08a0000", "3080aabb9000"}},
			func(b []byte, err error) bool { var c *CertificateError; return errors.As(err, &c) }},
		{"too short for a header", []step{{"00b08a0000", "30829000"}},
			func(b []byte, err error) bool { var c *CertificateError; return errors.As(err, &c) }},
		{"oversized certificate", []step{{"00b08a0000", "30837fffff9000"}},
			func(b []byte, err error) bool { var c *CertificateError; return errors.As(err, &c) }},
		{"empty file", []step{{"00b08a0000", "9000"}},
			func(b []byte, err error) bool { var c *CertificateError; return errors.As(err, &c) }},
		{"response without SW", []step{{"00b08a0000", "90"}},
			func(b []byte, err error) bool { return err != nil }},
		{"security status (smartphone token before PIN)", []step{{"00b08a0000", "6982"}},
			func(b []byte, err error) bool { return errors.Is(err, ErrSecurityStatus) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, s := run(t, tc.steps...)
			b, err := c.ReadAuthCertificate(ctx)
			if !tc.check(b, err) {
				t.Fatalf("got %d bytes, err = %v", len(b), err)
			}
			s.done()
		})
	}
}

func TestReadSignCertificateNeedsPassword(t *testing.T) {
	c, s := run(t, step{"00b0810000", "6982"})
	if _, err := c.ReadSignCertificate(ctx); !errors.Is(err, ErrSecurityStatus) {
		t.Fatalf("err = %v", err)
	}
	s.done()
}

func TestSignDigestInfo(t *testing.T) {
	di, _ := DigestInfo(crypto.SHA256, make([]byte, 32))
	diHex := hex.EncodeToString(di)
	t.Run("not verified", func(t *testing.T) {
		c, s := run(t, step{"802a009733" + diHex + "00", "6982"})
		if _, err := c.SignDigestInfo(ctx, AuthKey, di); !errors.Is(err, ErrSecurityStatus) {
			t.Fatalf("err = %v", err)
		}
		s.done()
	})
	t.Run("SFI refused falls back to SELECT", func(t *testing.T) {
		c, s := run(t, step{"802a009a33" + diHex + "00", "6a86"}, step{"00a4020c02001a", "9000"},
			step{"802a008033" + diHex + "00", fakeSig() + "9000"})
		if _, err := c.SignDigestInfo(ctx, SignKey, di); err != nil {
			t.Fatal(err)
		}
		s.done()
	})
	t.Run("explicit select option", func(t *testing.T) {
		s := &script{t: t, steps: []step{{"00a4020c020017", "9000"}, {"802a008033" + diHex + "00", fakeSig() + "9000"}}}
		if _, err := New(s, &Options{ExplicitSelect: true}).SignDigestInfo(ctx, AuthKey, di); err != nil {
			t.Fatal(err)
		}
		s.done()
	})
	t.Run("empty signature", func(t *testing.T) {
		c, s := run(t, step{"802a009733" + diHex + "00", "9000"})
		if _, err := c.SignDigestInfo(ctx, AuthKey, di); !errors.Is(err, ErrMalformedResponse) {
			t.Fatalf("err = %v", err)
		}
		s.done()
	})
	t.Run("input too long: nothing sent", func(t *testing.T) {
		c, s := run(t)
		if _, err := c.SignDigestInfo(ctx, AuthKey, make([]byte, 246)); err == nil {
			t.Fatal("signed 246 bytes")
		}
		s.done()
	})
}

func TestToken(t *testing.T) {
	label := func(s string) string {
		b := bytes.Repeat([]byte{' '}, 32)
		copy(b, s)
		return hex.EncodeToString(b)
	}
	for _, tc := range []struct {
		resp string
		want Token
		ok   bool
	}{
		{label("JPKIAPICCTOKEN2") + "9000", TokenCard, true},
		{label("JPKIAPGPSETOKEN") + "9000", TokenAndroid, true},
		{hex.EncodeToString([]byte("JPKIAPIOSTOKEN\x00\x00")) + "9000", TokenIPhone, true},
		{"ff00ff9000", "", false},
		{"6a82", "", false},
	} {
		c, s := run(t, step{selectAP, "9000"}, step{"00b0860020", tc.resp})
		got, err := c.Open(ctx)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("Open(%s) = %q, %v", tc.resp, got, err)
		}
		s.done()
	}
	if !TokenAndroid.AuthCertNeedsPIN() || TokenCard.AuthCertNeedsPIN() {
		t.Error("AuthCertNeedsPIN wrong")
	}
}

func TestSelectNotJPKI(t *testing.T) {
	c, s := run(t, step{selectAP, "6a82"})
	if err := c.Select(ctx); !errors.Is(err, ErrFileNotFound) {
		t.Fatalf("err = %v", err)
	}
	s.done()
}

func TestTransportErrorIsCardGone(t *testing.T) {
	c := New(cardauth.TransceiverFunc(func(context.Context, []byte) ([]byte, error) {
		return nil, cardauth.ErrCardGone
	}), nil)
	if err := c.Select(ctx); !IsCardGone(err) {
		t.Fatalf("err = %v", err)
	}
}

func TestDigestInfo(t *testing.T) {
	sum := sha256.Sum256([]byte("abc"))
	di, err := DigestInfo(crypto.SHA256, sum[:])
	if err != nil || hex.EncodeToString(di[:19]) != "3031300d060960864801650304020105000420" || len(di) != 51 {
		t.Fatalf("%x %v", di, err)
	}
	if _, err := DigestInfo(crypto.SHA1, make([]byte, 20)); !errors.Is(err, ErrUnsupportedHash) {
		t.Fatalf("SHA-1 accepted: %v", err)
	}
	if _, err := DigestInfo(crypto.SHA256, make([]byte, 31)); err == nil {
		t.Fatal("short digest accepted")
	}
}
