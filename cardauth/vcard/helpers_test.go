package vcard

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inkan-id/inkan/cardauth/apdu"
)

// Test credentials: keys and certificates made here, so the state machine is
// tested without the test CA.
const (
	testPIN      = "1234"
	testPassword = "ABC123"
)

var (
	fixtureOnce sync.Once
	fixture     *File
)

func mustKey(t testing.TB) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// makePair returns a self-signed CA and an end-entity certificate for key.
func makePair(t testing.TB, caKey, key *rsa.PrivateKey, ou string) KeyPair {
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{Country: []string{"JP"}, Organization: []string{"JPKI-EMU"}, OrganizationalUnit: []string{ou}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	eeTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(0x054CFCD8),
		Subject:      pkix.Name{Country: []string{"JP"}, CommonName: "TESTCARD" + ou},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	eeDER, err := x509.CreateCertificate(rand.Reader, eeTmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return KeyPair{PrivateKey: pk, Certificate: eeDER, CACertificate: caDER}
}

// testFile returns a fresh copy of a valid card file (profile card, both
// certificates, full counters). Keys are made once per test binary.
func testFile(t testing.TB) *File {
	fixtureOnce.Do(func() {
		caKey, authKey, signKey := mustKey(t), mustKey(t), mustKey(t)
		fixture = &File{
			Version: FileVersion,
			Profile: ProfileCard,
			Auth:    AuthKey{KeyPair: makePair(t, caKey, authKey, "auth"), PIN: testPIN, TriesLeft: MaxAuthTries},
			Sign:    &SignKey{KeyPair: makePair(t, caKey, signKey, "sign"), Password: testPassword, TriesLeft: MaxSignTries},
		}
		if err := fixture.Validate(); err != nil {
			t.Fatal(err)
		}
	})
	return fixture.Clone()
}

// h decodes hex written with spaces.
func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// send transmits a hex command and splits the answer.
func send(t testing.TB, c *Card, cmd string) ([]byte, apdu.StatusWord) {
	t.Helper()
	return sendBytes(t, c, h(cmd))
}

func sendBytes(t testing.TB, c *Card, cmd []byte) ([]byte, apdu.StatusWord) {
	t.Helper()
	b, err := c.Transmit(context.Background(), cmd)
	if err != nil {
		t.Fatalf("Transmit(% X): %v", cmd, err)
	}
	r, err := apdu.ParseResponse(b)
	if err != nil {
		t.Fatalf("response % X: %v", b, err)
	}
	return r.Data, r.SW
}

// Commands used throughout the tests.
const (
	cSelectAP    = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"
	cSelToken    = "00 A4 02 0C 02 00 06"
	cSelFlags    = "00 A4 02 0C 02 00 08"
	cSelSignCert = "00 A4 02 0C 02 00 01"
	cSelSignCA   = "00 A4 02 0C 02 00 02"
	cSelAuthCert = "00 A4 02 0C 02 00 0A"
	cSelAuthCA   = "00 A4 02 0C 02 00 0B"
	cSelAuthKey  = "00 A4 02 0C 02 00 17"
	cSelAuthPIN  = "00 A4 02 0C 02 00 18"
	cSelSignKey  = "00 A4 02 0C 02 00 1A"
	cSelSignPIN  = "00 A4 02 0C 02 00 1B"
	cQuery       = "00 20 00 80"
	cAuthOK      = "00 20 00 80 04 31 32 33 34"       // 1234
	cAuthBad     = "00 20 00 80 04 39 39 39 39"       // 9999
	cSignOK      = "00 20 00 80 06 41 42 43 31 32 33" // ABC123
	cSignBad     = "00 20 00 80 06 41 42 43 39 39 39" // ABC999
	cRead4       = "00 B0 00 00 04"
	cRead256     = "00 B0 00 00 00"
	cDigestInfo  = "30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20" +
		"00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F"
	cSign80 = "80 2A 00 80 33 " + cDigestInfo + " 00"
	cSign97 = "80 2A 00 97 33 " + cDigestInfo + " 00"
	cSign9A = "80 2A 00 9A 33 " + cDigestInfo + " 00"
)
