package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inkan-id/inkan/cardauth/clientdata"
	"github.com/inkan-id/inkan/cardauth/jpki"
	"github.com/inkan-id/inkan/cardauth/pcsc"
	"github.com/inkan-id/inkan/cardauth/pcsc/pcsctest"
	"github.com/inkan-id/inkan/cardauth/revocation"
	"github.com/inkan-id/inkan/cardauth/vcard"
	"github.com/inkan-id/inkan/cardauth/vcard/testca"
	"github.com/inkan-id/inkan/cardauth/verify"
)

// The tests below share one reader and run one at a time; those that
// spend PIN tries restore the counter or use a card of their own.

func TestE2EReaders(t *testing.T) {
	w := setup(t)
	w.use(t, w.card)
	code, out, errs := w.run(t, "", "readers")
	if code != exitOK || !strings.Contains(out, "card   "+pcsctest.Reader+"\n") {
		t.Fatalf("readers: exit %d\n%s%s", code, out, errs)
	}
}

func TestE2EStatus(t *testing.T) {
	w := setup(t)
	w.use(t, w.card)
	// A case-insensitive part of the name is enough.
	code, out, errs := w.run(t, "", "status", "--reader", strings.ToLower(pcsctest.Reader))
	for _, want := range []string{"reader:         " + pcsctest.Reader, "JPKIAPICCTOKEN2 (My Number Card)",
		"auth PIN:       3 tries left", "sign password:  5 tries left"} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Fatalf("status: exit %d, want %q in\n%s%s", code, want, out, errs)
		}
	}
	// Reading the counters spends nothing.
	if f := readCard(t, w.card); f.Auth.TriesLeft != 3 || f.Sign.TriesLeft != 5 {
		t.Fatalf("counters after status: %d, %d", f.Auth.TriesLeft, f.Sign.TriesLeft)
	}
}

func TestE2ECert(t *testing.T) {
	w := setup(t)
	w.use(t, w.card)
	f := readCard(t, w.card)
	path := filepath.Join(t.TempDir(), "auth.pem")
	if code, _, errs := w.run(t, "", "cert", "--auth", "--reader", pcsctest.Reader, "-o", path); code != exitOK {
		t.Fatalf("cert --auth: exit %d %s", code, errs)
	}
	if got := pemFile(t, path); !bytes.Equal(got, f.Auth.Certificate) {
		t.Fatal("cert --auth differs from the card file's certificate")
	}
	code, out, errs := w.run(t, e2ePassword+"\n", "cert", "--sign", "--pin-stdin", "--reader", pcsctest.Reader)
	blk, _ := pem.Decode([]byte(out))
	if code != exitOK || blk == nil || !bytes.Equal(blk.Bytes, f.Sign.Certificate) {
		t.Fatalf("cert --sign: exit %d %s", code, errs)
	}
}

func TestE2EWrongPIN(t *testing.T) {
	w := setup(t)
	w.use(t, w.card)
	code, _, errs := w.run(t, "9999\n", "sign", "--auth", "--pin-stdin", "--reader", pcsctest.Reader, "--data", "x")
	if code != exitWrongPIN || !strings.Contains(errs, "wrong PIN, 2 tries left") {
		t.Fatalf("wrong PIN: exit %d %s", code, errs)
	}
	if _, out, _ := w.run(t, "", "status", "--reader", pcsctest.Reader); !strings.Contains(out, "auth PIN:       2 tries left") {
		t.Fatalf("status after a wrong PIN:\n%s", out)
	}
	// The right PIN signs and restores the counter.
	if code, _, errs := w.run(t, e2ePIN+"\n", "sign", "--auth", "--pin-stdin", "--reader", pcsctest.Reader, "--data", "x"); code != exitOK {
		t.Fatalf("right PIN: exit %d %s", code, errs)
	}
	if f := readCard(t, w.card); f.Auth.TriesLeft != 3 {
		t.Fatalf("counter after the right PIN: %d", f.Auth.TriesLeft)
	}
}

func TestE2ELockout(t *testing.T) {
	w := setup(t)
	// A card of its own: the test blocks it, and a second run (-count)
	// needs one that is not blocked yet.
	lockCard := filepath.Join(t.TempDir(), "lock.json")
	if err := w.newCard(lockCard); err != nil {
		t.Fatal(err)
	}
	w.use(t, lockCard)
	sign := func(pin string, extra ...string) (int, string) {
		args := append([]string{"sign", "--auth", "--pin-stdin", "--reader", pcsctest.Reader, "--data", "x"}, extra...)
		code, _, errs := w.run(t, pin+"\n", args...)
		return code, errs
	}
	tries := func() int { return readCard(t, lockCard).Auth.TriesLeft }
	if code, errs := sign("0000"); code != exitWrongPIN || !strings.Contains(errs, "2 tries left") {
		t.Fatalf("wrong PIN 1: exit %d %s", code, errs)
	}
	if code, errs := sign("0000"); code != exitWrongPIN || !strings.Contains(errs, "1 try left") {
		t.Fatalf("wrong PIN 2: exit %d %s", code, errs)
	}
	if code, errs := sign("0000"); code != exitLastTry || tries() != 1 {
		t.Fatalf("last try without confirmation: exit %d %s, tries %d", code, errs, tries())
	}
	if code, errs := sign("0000", "--confirm-last-try"); code != exitBlocked || !strings.Contains(errs, "blocked") {
		t.Fatalf("wrong PIN 3: exit %d %s", code, errs)
	}
	if code, errs := sign(e2ePIN, "--confirm-last-try"); code != exitBlocked || !strings.Contains(errs, "municipal office") {
		t.Fatalf("right PIN on a blocked card: exit %d %s", code, errs)
	}
	if tries() != 0 {
		t.Fatalf("tries after lockout: %d", tries())
	}
	if _, out, _ := w.run(t, "", "status", "--reader", pcsctest.Reader); !strings.Contains(out, "0 tries left (blocked)") {
		t.Fatalf("status of a blocked card:\n%s", out)
	}
}

// TestE2ELoginMeasure measures full logins through vpcd and pcscd: wall
// time, and APDUs and bytes cold (certificate read) and warm (certificate
// known). It logs the figures and asserts no timing.
func TestE2ELoginMeasure(t *testing.T) {
	w := setup(t)
	w.use(t, w.card)
	ctx := context.Background()
	c, err := pcsc.Open(ctx, pcsc.Options{Reader: pcsctest.Reader})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ct := count(c)
	cl := jpki.New(ct, nil)
	msg := []byte(`{"type":"inkan.bridge.auth.v1"}`)
	var cert []byte
	for _, phase := range []string{"cold", "warm", "warm"} {
		ct.Reset()
		start := time.Now()
		res, err := cl.Login(ctx, jpki.LoginRequest{PIN: e2ePIN, Message: msg, Certificate: cert})
		d := time.Since(start)
		if err != nil {
			t.Fatalf("%s login: %v", phase, err)
		}
		cert = res.Certificate
		n, sent, recv := ct.Counts()
		t.Logf("login via pcscd (%s): %v, %d APDUs, %d bytes sent, %d received", phase, d.Round(100*time.Microsecond), n, sent, recv)
	}
}

func BenchmarkLoginPCSC(b *testing.B) {
	w := setup(b)
	w.use(b, w.card)
	ctx := context.Background()
	c, err := pcsc.Open(ctx, pcsc.Options{Reader: pcsctest.Reader})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	cl := jpki.New(c, nil)
	for b.Loop() {
		if _, err := cl.Login(ctx, jpki.LoginRequest{PIN: e2ePIN, Message: []byte("x")}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestE2ESignVerifyRevoke signs a real client_data through the binary,
// verifies it against the test CA root with OCSP (found through the
// certificate's AIA) and with a CRL file, then revokes the card with
// "inkan vcard revoke" and expects both to refuse it. It issues its own
// card, because "inkan vcard new" writes the default OCSP URL into the AIA.
func TestE2ESignVerifyRevoke(t *testing.T) {
	w := setup(t)
	ctx := context.Background()

	// The CA is reloaded from disk after "inkan vcard revoke" changes it.
	var ca atomic.Pointer[testca.CA]
	loadCA := func() *testca.CA {
		c, err := testca.Load(w.caDir)
		if err != nil {
			t.Fatal(err)
		}
		ca.Store(c)
		return c
	}
	ocspSrv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		ca.Load().OCSPHandler(nil).ServeHTTP(rw, r)
	}))
	defer ocspSrv.Close()
	issuer := loadCA()
	issuer.OCSPURL = ocspSrv.URL
	f, err := vcard.Issue(issuer, vcard.Spec{AuthPIN: e2ePIN, SignPassword: e2ePassword,
		Holder: testca.Holder{Name: "試験\u3000太郎", Birthdate: "1985-10-10", Address: "大阪府大阪市北区中之島一丁目3番20号", Gender: "1"}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// Save the CA so revoke and the OCSP responder know the new serial.
	if err := issuer.Save(w.caDir); err != nil {
		t.Fatal(err)
	}
	revCard := filepath.Join(w.dir, "revoke.json")
	if err := vcard.WriteFile(revCard, f); err != nil {
		t.Fatal(err)
	}
	w.use(t, revCard)

	const origin = "https://id.example.jp"
	nonce := make([]byte, clientdata.NonceSize)
	rand.Read(nonce)
	txID := "tx_0123456789abcdefABCDEF"
	started := time.Now().Add(-time.Second)
	cd, err := clientdata.ClientData{Type: clientdata.TypeAuth, Origin: origin, TransactionID: txID, Nonce: nonce, Time: time.Now()}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	dataFile := filepath.Join(t.TempDir(), "client_data.json")
	if err := os.WriteFile(dataFile, cd, 0o600); err != nil {
		t.Fatal(err)
	}
	sign := func() signOutput {
		t.Helper()
		start := time.Now()
		code, out, errs := w.run(t, e2ePIN+"\n", "sign", "--auth", "--pin-stdin", "--reader", pcsctest.Reader, "--data-file", dataFile)
		t.Logf("inkan-reader sign, whole process via pcscd: %v", time.Since(start).Round(time.Millisecond))
		var res signOutput
		if code != exitOK || json.Unmarshal([]byte(out), &res) != nil {
			t.Fatalf("sign: exit %d %q %s", code, out, errs)
		}
		return res
	}
	res := sign()
	t.Logf("inkan-reader sign sent %d APDUs (counter pre-check, login, logout SELECT)", res.APDUs)
	exp := verify.Expect{Purpose: verify.Auth, Origin: origin, TransactionID: txID, Nonce: nonce, NotBefore: started}

	crlFile := filepath.Join(t.TempDir(), "auth.crl")
	writeCRL := func() {
		crl, err := ca.Load().CRL(testca.Auth, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(crlFile, crl, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	verifiers := func() map[string]*verify.Verifier {
		writeCRL()
		roots := verify.NewRoots(verify.Test)
		if err := roots.AddTestRoot(ca.Load().Root(testca.Auth)); err != nil {
			t.Fatal(err)
		}
		// A fresh CRLSource per round: it keeps a CRL until nextUpdate.
		crlSrc, err := revocation.NewCRLSource(revocation.CRLConfig{Location: crlFile})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]*verify.Verifier{}
		for name, rc := range map[string]revocation.Checker{
			"ocsp": &revocation.OCSPSource{}, // URL from the certificate's AIA
			"crl":  crlSrc,
		} {
			v, err := verify.New(verify.Config{Roots: roots, Revocation: rc})
			if err != nil {
				t.Fatal(err)
			}
			out[name] = v
		}
		return out
	}
	for name, v := range verifiers() {
		r, err := v.Verify(ctx, res.Certificate, cd, res.Signature, exp)
		if err != nil {
			t.Fatalf("verify with %s: %v", name, err)
		}
		if !bytes.Equal(r.Certificate.Raw, f.Auth.Certificate) {
			t.Fatalf("verify with %s: a different certificate", name)
		}
		t.Logf("verified with %s: revocation source %s", name, r.Revocation.Source)
	}

	w.inkanCmd(t, "vcard", "revoke", "--ca", w.caDir, "--auth", revCard)
	loadCA()
	// The card still signs: only the verifier knows about revocation.
	res = sign()
	for name, v := range verifiers() {
		_, err := v.Verify(ctx, res.Certificate, cd, res.Signature, exp)
		if verify.CodeOf(err) != verify.CodeCertificateRevoked {
			t.Fatalf("verify a revoked card with %s: %v, want %s", name, err, verify.CodeCertificateRevoked)
		}
	}
}

// TestE2EOpen is a whole login through the real PC/SC stack: a go-oidc
// relying party starts it at an in-process dev provider, the built
// inkan-reader answers the login page's bridge link ("open LINK
// --pin-stdin --yes") with the card that "inkan vcard serve" plugs into
// vpcd, and the relying party redeems the code and verifies the ID token.
// The card is issued by the provider's test CA, so the provider trusts it
// and its OCSP responder knows its serial.
func TestE2EOpen(t *testing.T) {
	w := setup(t)
	p := startProvider(t)
	file := filepath.Join(w.dir, "open.json")
	if err := vcard.WriteFile(file, p.cardFile()); err != nil {
		t.Fatal(err)
	}
	w.use(t, file)
	tr := &transcript{t: t}
	runReader := func(stdin string, args ...string) (int, string, string) {
		t.Helper()
		code, out, errs := w.run(t, stdin, args...)
		tr.text.WriteString(out + errs)
		return code, out, errs
	}

	l := p.beginLogin()
	start := time.Now()
	code, out, errs := runReader(provPIN+"\n", "open", l.HTTPSLink, "--pin-stdin", "--yes", "--reader", pcsctest.Reader)
	if code != exitOK || !strings.Contains(out, "Who is asking:  Test bank (client id: rp)") ||
		!strings.Contains(out, "Done: your card answered the sign-in for Test bank") {
		t.Fatalf("open: exit %d\n%s%s", code, out, errs)
	}
	t.Logf("inkan-reader open via pcscd, whole process: %v", time.Since(start).Round(time.Millisecond))
	first := l.finish()

	// The inkan:// form, as the URL handler gets it; a wrong PIN first
	// costs a try on the card and nothing on the website.
	l2 := p.beginLogin()
	code, _, errs = runReader("0000\n", "open", l2.AppLink, "--pin-stdin", "--yes", "--reader", pcsctest.Reader)
	if code != exitWrongPIN || !strings.Contains(errs, "wrong PIN, 2 tries left") {
		t.Fatalf("wrong PIN: exit %d %s", code, errs)
	}
	if f := readCard(t, file); f.Auth.TriesLeft != 2 {
		t.Fatalf("tries after a wrong PIN: %d", f.Auth.TriesLeft)
	}
	code, _, errs = runReader(provPIN+"\n", "open", l2.AppLink, "--pin-stdin", "--yes", "--reader", pcsctest.Reader)
	if code != exitOK {
		t.Fatalf("open after a wrong PIN: exit %d %s", code, errs)
	}
	if second := l2.finish(); second.Subject != first.Subject {
		t.Fatalf("the same card gave two subjects: %q, %q", first.Subject, second.Subject)
	}
	if f := readCard(t, file); f.Auth.TriesLeft != 3 {
		t.Fatalf("tries after the right PIN: %d", f.Auth.TriesLeft)
	}
	tr.check(provPIN, l.Secret(), l2.Secret())
}

func readCard(t *testing.T, path string) *vcard.File {
	t.Helper()
	f, err := vcard.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func pemFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: no PEM", path)
	}
	if _, err := x509.ParseCertificate(blk.Bytes); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return blk.Bytes
}
