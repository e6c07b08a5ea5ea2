package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inkan-id/inkan/cardauth/pcsc"
	"github.com/inkan-id/inkan/cardauth/vcard"
	"github.com/inkan-id/inkan/cardauth/vcard/testca"
)

const (
	testPIN      = "1234"
	testPassword = "ABC123"
)

var (
	issueOnce sync.Once
	issued    *vcard.File
	issueErr  error
)

// cardFile issues one card per test binary (RSA keys are slow) and hands
// out copies.
func cardFile(t *testing.T) *vcard.File {
	t.Helper()
	issueOnce.Do(func() {
		now := time.Now()
		ca, err := testca.New(now)
		if err != nil {
			issueErr = err
			return
		}
		issued, issueErr = vcard.Issue(ca, vcard.Spec{
			AuthPIN:      testPIN,
			SignPassword: testPassword,
			Holder:       testca.Holder{Name: "試験\u3000花子", Birthdate: "1990-04-01", Address: "東京都千代田区霞が関一丁目1番1号", Gender: "2"},
		}, now)
	})
	if issueErr != nil {
		t.Fatal(issueErr)
	}
	return issued.Clone()
}

// memConn is the virtual card in-process, as a conn.
type memConn struct{ *vcard.Card }

func (memConn) Close() error { return nil }

func memEnv(card *vcard.Card, stdin string) (*env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &env{
		stdin:  strings.NewReader(stdin),
		stdout: &out,
		stderr: &errb,
		open: func(ctx context.Context, reader string, wait time.Duration) (conn, error) {
			if card == nil {
				return nil, pcsc.ErrNoCard
			}
			return memConn{card}, nil
		},
		readers: func(context.Context) ([]pcsc.Reader, error) {
			return []pcsc.Reader{{Name: "Mem 00", Card: card != nil}, {Name: "Mem 01"}}, nil
		},
	}, &out, &errb
}

func runMem(t *testing.T, card *vcard.Card, stdin string, args ...string) (int, string, string) {
	t.Helper()
	e, out, errb := memEnv(card, stdin)
	code := run(context.Background(), args, e)
	return code, out.String(), errb.String()
}

func TestStatusAndCertInProcess(t *testing.T) {
	f := cardFile(t)
	card := vcard.New(f)
	code, out, errs := runMem(t, card, "", "status")
	if code != exitOK || !strings.Contains(out, "auth PIN:       3 tries left") ||
		!strings.Contains(out, "sign password:  5 tries left") || !strings.Contains(out, "JPKIAPICCTOKEN2") {
		t.Fatalf("status: %d\n%s%s", code, out, errs)
	}

	code, out, errs = runMem(t, card, "", "cert", "--auth")
	blk, _ := pem.Decode([]byte(out))
	if code != exitOK || blk == nil || !bytes.Equal(blk.Bytes, f.Auth.Certificate) {
		t.Fatalf("cert --auth: %d %q\n%s", code, out, errs)
	}

	// The sign certificate needs the password; a lowercase one is uppercased.
	path := filepath.Join(t.TempDir(), "sign.pem")
	code, _, errs = runMem(t, card, strings.ToLower(testPassword)+"\n", "cert", "--sign", "--pin-stdin", "-o", path)
	if code != exitOK {
		t.Fatalf("cert --sign: %d %s", code, errs)
	}
	b, _ := os.ReadFile(path)
	if blk, _ := pem.Decode(b); blk == nil || !bytes.Equal(blk.Bytes, f.Sign.Certificate) {
		t.Fatal("cert --sign wrote something else than the sign certificate")
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("sign certificate written with mode %v, want 0600", st.Mode().Perm())
	}

	code, _, errs = runMem(t, card, "WRONG1\n", "cert", "--sign", "--pin-stdin")
	if code != exitWrongPIN || !strings.Contains(errs, "wrong signature password, 4 tries left") {
		t.Fatalf("cert --sign with a wrong password: %d %s", code, errs)
	}
}

func TestSignInProcess(t *testing.T) {
	f := cardFile(t)
	card := vcard.New(f)
	data := `{"type":"inkan.bridge.auth.v1","nonce":"abc"}`
	code, out, errs := runMem(t, card, testPIN+"\n", "sign", "--auth", "--pin-stdin", "--data", data)
	if code != exitOK {
		t.Fatalf("sign: %d %s", code, errs)
	}
	var res signOutput
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("sign output %q: %v", out, err)
	}
	checkSig(t, res.Certificate, []byte(data), res.Signature)
	if !bytes.Equal(res.Certificate, f.Auth.Certificate) {
		t.Error("certificate in output is not the card's")
	}
	if strings.Contains(out+errs, testPIN) {
		t.Error("the PIN appears in the output")
	}

	// Warm: the certificate from a file saves the reads.
	certPath := filepath.Join(t.TempDir(), "auth.pem")
	os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: res.Certificate}), 0o600)
	dataPath := filepath.Join(t.TempDir(), "cd.json")
	os.WriteFile(dataPath, []byte(data), 0o600)
	code, out, errs = runMem(t, card, testPIN+"\n", "sign", "--auth", "--pin-stdin", "--data-file", dataPath, "--cert-file", certPath)
	var warm signOutput
	if code != exitOK || json.Unmarshal([]byte(out), &warm) != nil {
		t.Fatalf("warm sign: %d %q %s", code, out, errs)
	}
	checkSig(t, warm.Certificate, []byte(data), warm.Signature)
	if warm.APDUs >= res.APDUs {
		t.Errorf("warm run sent %d APDUs, cold %d: the certificate was read again", warm.APDUs, res.APDUs)
	}
	t.Logf("sign APDUs per command: cold %d, warm %d", res.APDUs, warm.APDUs)
}

func checkSig(t *testing.T, certDER, data, sig []byte) {
	t.Helper()
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(data)
	if err := rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, h[:], sig); err != nil {
		t.Fatalf("signature does not verify: %v", err)
	}
}

func TestLockoutInProcess(t *testing.T) {
	card := vcard.New(cardFile(t))
	tries := func() int { return card.File().Auth.TriesLeft }
	sign := func(pin string, extra ...string) (int, string) {
		args := append([]string{"sign", "--auth", "--pin-stdin", "--data", "x"}, extra...)
		code, _, errs := runMem(t, card, pin+"\n", args...)
		return code, errs
	}
	if code, errs := sign("12a4"); code != exitBadPIN || tries() != 3 {
		t.Fatalf("malformed PIN: %d %s, tries %d", code, errs, tries())
	}
	if code, errs := sign("0000"); code != exitWrongPIN || !strings.Contains(errs, "wrong PIN, 2 tries left") {
		t.Fatalf("first wrong PIN: %d %s", code, errs)
	}
	if code, errs := sign("0000"); code != exitWrongPIN || !strings.Contains(errs, "wrong PIN, 1 try left") {
		t.Fatalf("second wrong PIN: %d %s", code, errs)
	}
	if code, errs := sign(testPIN); code != exitLastTry || tries() != 1 || !strings.Contains(errs, "--confirm-last-try") {
		t.Fatalf("last try unconfirmed: %d %s, tries %d", code, errs, tries())
	}
	if code, errs := sign("0000", "--confirm-last-try"); code != exitBlocked || !strings.Contains(errs, "municipal office") {
		t.Fatalf("third wrong PIN: %d %s", code, errs)
	}
	if code, errs := sign(testPIN, "--confirm-last-try"); code != exitBlocked || tries() != 0 {
		t.Fatalf("right PIN on a blocked card: %d %s", code, errs)
	}
	code, out, _ := runMem(t, card, "", "status")
	if code != exitOK || !strings.Contains(out, "0 tries left (blocked)") {
		t.Fatalf("status of a blocked card: %d %s", code, out)
	}
}

func TestUsageAndNoCard(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
	}{
		{nil, exitUsage},
		{[]string{"frobnicate"}, exitUsage},
		{[]string{"-h"}, exitOK},
		{[]string{"sign", "-h"}, exitOK},
		{[]string{"sign", "--auth"}, exitUsage},
		{[]string{"sign", "--auth", "--sign", "--data", "x"}, exitUsage},
		{[]string{"sign", "--auth", "--data", "x", "--data-file", "y"}, exitUsage},
		{[]string{"cert"}, exitUsage},
		{[]string{"status", "extra"}, exitUsage},
		{[]string{"status"}, exitNoCard},
		{[]string{"cert", "--auth"}, exitNoCard},
	} {
		code, _, errs := runMem(t, nil, "", tc.args...)
		if code != tc.code {
			t.Errorf("%q: exit %d, want %d\n%s", tc.args, code, tc.code, errs)
		}
	}
	_, out, _ := runMem(t, nil, "", "-h")
	for _, want := range []string{"Exit codes:", "4  wrong PIN", "6  one try left"} {
		if !strings.Contains(out, want) {
			t.Errorf("-h lacks %q", want)
		}
	}
	// No terminal and no --pin-stdin: refuse rather than read an echoed PIN.
	code, _, errs := runMem(t, vcard.New(cardFile(t)), "1234\n", "sign", "--auth", "--data", "x")
	if code != exitError || !strings.Contains(errs, "--pin-stdin") {
		t.Errorf("sign without a terminal: %d %s", code, errs)
	}
}

func TestReadersInProcess(t *testing.T) {
	code, out, _ := runMem(t, vcard.New(cardFile(t)), "", "readers")
	if code != exitOK || !strings.Contains(out, "card   Mem 00") || !strings.Contains(out, "empty  Mem 01") {
		t.Fatalf("readers: %d\n%s", code, out)
	}
}
