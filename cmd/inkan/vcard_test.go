package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/binary"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inkan-id/inkan/cardauth/vcard"
	"github.com/inkan-id/inkan/cardauth/vcard/testca"
)

// inkan runs the command in-process and returns its exit code and output.
func inkan(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := inkan(t, context.Background(), args...)
	if code != exitOK {
		t.Fatalf("inkan %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func TestVCardNewShowRevoke(t *testing.T) {
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca")
	card := filepath.Join(dir, "card.json")

	out := mustRun(t, "vcard", "new", "-o", card, "--ca", ca, "--auth-pin", "4321", "--sign-password", "pass1234")
	if !strings.Contains(out, "profile card") || !strings.Contains(out, "tries left:    5/5") {
		t.Errorf("new output:\n%s", out)
	}
	fi, err := os.Stat(card)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("card file: %v %v", fi.Mode(), err)
	}
	f, err := vcard.ReadFile(card)
	if err != nil {
		t.Fatal(err)
	}
	if f.Auth.PIN != "4321" || f.Sign.Password != "PASS1234" {
		t.Errorf("PINs in file: %q %q", f.Auth.PIN, f.Sign.Password)
	}

	out = mustRun(t, "vcard", "show", card)
	for _, want := range []string{"profile:         card", "3B E0 00 FF 81 31 FE 45 14", "JPKI-EMU", "tries left:    3/3"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{"4321", "PASS1234"} {
		if strings.Contains(out, secret) {
			t.Errorf("show printed a PIN:\n%s", out)
		}
	}

	// Overwrite is refused without --force, and the file is untouched.
	code, _, errs := inkan(t, context.Background(), "vcard", "new", "-o", card, "--ca", ca)
	if code != exitError || !strings.Contains(errs, "--force") {
		t.Errorf("overwrite: exit %d %s", code, errs)
	}
	if g, _ := vcard.ReadFile(card); g == nil || g.Auth.PIN != "4321" {
		t.Error("refused overwrite changed the file")
	}

	out = mustRun(t, "vcard", "revoke", card, "--ca", ca, "--auth")
	if !strings.Contains(out, "revoked auth certificate") || strings.Contains(out, "sign") {
		t.Errorf("revoke --auth output:\n%s", out)
	}
	out = mustRun(t, "vcard", "revoke", "--ca", ca, "--reason", "5", card)
	if !strings.Contains(out, "auth certificate") || !strings.Contains(out, "already revoked") ||
		!strings.Contains(out, "revoked sign certificate") {
		t.Errorf("revoke both output:\n%s", out)
	}
	loaded, err := testca.Load(ca)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []struct {
		kind testca.Kind
		der  []byte
		why  int
	}{{testca.Auth, f.Auth.Certificate, 1}, {testca.Sign, f.Sign.Certificate, 5}} {
		serial := serialOf(t, k.der)
		if revoked, reason, _ := loaded.IsRevoked(k.kind, serial); !revoked || reason != k.why {
			t.Errorf("%v: revoked %v reason %d, want reason %d", k.kind, revoked, reason, k.why)
		}
	}

	// With --force a new card replaces the old one.
	mustRun(t, "vcard", "new", "-o", card, "--ca", ca, "--force", "--profile", "android-se", "--no-sign-cert")
	g, err := vcard.ReadFile(card)
	if err != nil || g.Profile != vcard.ProfileAndroidSE || g.Sign != nil || g.Auth.PIN != defaultAuthPIN {
		t.Fatalf("forced card: %+v %v", g, err)
	}
	if out := mustRun(t, "vcard", "show", card); !strings.Contains(out, "sign:            none") {
		t.Errorf("show without sign cert:\n%s", out)
	}
	code, _, errs = inkan(t, context.Background(), "vcard", "revoke", card, "--ca", ca, "--sign")
	if code != exitError || !strings.Contains(errs, "no signature certificate") {
		t.Errorf("revoke --sign without sign cert: %d %s", code, errs)
	}
}

func serialOf(t *testing.T, der []byte) *big.Int {
	t.Helper()
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c.SerialNumber
}

func TestVCardErrors(t *testing.T) {
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca")
	card := filepath.Join(dir, "card.json")
	ctx := context.Background()
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{}, exitUsage, "usage: inkan"},
		{[]string{"nope"}, exitUsage, "unknown command"},
		{[]string{"vcard"}, exitUsage, "missing command"},
		{[]string{"vcard", "frob"}, exitUsage, "unknown command"},
		{[]string{"vcard", "new"}, exitUsage, "-o card.json is required"},
		{[]string{"vcard", "new", "-o", card, "--bogus"}, exitUsage, "flag provided but not defined"},
		{[]string{"vcard", "new", "-o", card, "--ca", ca, "--auth-pin", "12345"}, exitError, "4 digits"},
		{[]string{"vcard", "new", "-o", card, "--ca", ca, "--sign-password", "ABCDEFG"}, exitError, "letters and digits"},
		{[]string{"vcard", "new", "-o", card, "--ca", ca, "--profile", "juki"}, exitError, "unknown profile"},
		{[]string{"vcard", "show"}, exitUsage, "exactly one card file"},
		{[]string{"vcard", "show", filepath.Join(dir, "missing.json")}, exitError, "no such file"},
		{[]string{"vcard", "serve"}, exitUsage, "exactly one card file"},
		{[]string{"vcard", "new", "-h"}, exitOK, "(default \"inkan-data/testca\")"},
		{[]string{"vcard", "help"}, exitOK, "revoke"},
	} {
		code, _, errs := inkan(t, ctx, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.msg) {
			t.Errorf("inkan %v: exit %d, stderr %q; want exit %d containing %q", tc.args, code, errs, tc.code, tc.msg)
		}
	}
	// A rejected spec leaves no card file and creates no CA.
	for _, p := range []string{card, ca} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("failed new left %s: %v", p, err)
		}
	}
}

func TestVCardRevokeNeedsIssuingCA(t *testing.T) {
	dir := t.TempDir()
	card := filepath.Join(dir, "card.json")
	mustRun(t, "vcard", "new", "-o", card, "--ca", filepath.Join(dir, "ca1"))
	mustRun(t, "vcard", "new", "-o", filepath.Join(dir, "other.json"), "--ca", filepath.Join(dir, "ca2"))
	code, _, errs := inkan(t, context.Background(), "vcard", "revoke", card, "--ca", filepath.Join(dir, "ca2"))
	if code != exitError || !strings.Contains(errs, "not issued by the test CA") {
		t.Errorf("revoke with the wrong CA: %d %s", code, errs)
	}
	code, _, errs = inkan(t, context.Background(), "vcard", "revoke", card, "--ca", filepath.Join(dir, "none"))
	if code != exitError {
		t.Errorf("revoke with no CA: %d %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "none")); !os.IsNotExist(err) {
		t.Error("revoke created a CA")
	}
}

func frame(b []byte) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(b))), b...)
}

func readFrame(t *testing.T, c net.Conn) []byte {
	t.Helper()
	var hdr [2]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, binary.BigEndian.Uint16(hdr[:]))
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVCardServe(t *testing.T) {
	dir := t.TempDir()
	card := filepath.Join(dir, "card.json")
	mustRun(t, "vcard", "new", "-o", card, "--ca", filepath.Join(dir, "ca"))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	var errb bytes.Buffer
	go func() {
		done <- run(ctx, []string{"vcard", "serve", card, "--vpcd", ln.Addr().String()}, io.Discard, &errb)
	}()

	ln.(*net.TCPListener).SetDeadline(time.Now().Add(10 * time.Second))
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	exchange := func(payload []byte) []byte {
		c.Write(frame(payload))
		return readFrame(t, c)
	}
	if atr := exchange([]byte{0x04}); !bytes.Equal(atr, vcard.DefaultATR) {
		t.Fatalf("ATR % X", atr)
	}
	c.Write(frame([]byte{0x01})) // power on
	if r := exchange([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}); !bytes.Equal(r, []byte{0x90, 0x00}) {
		t.Fatalf("SELECT: % X", r)
	}
	if r := exchange([]byte{0x00, 0x20, 0x00, 0x98, 0x04, '9', '9', '9', '9'}); !bytes.Equal(r, []byte{0x63, 0xC2}) {
		t.Fatalf("VERIFY: % X", r)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("serve exit %d: %s", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop on cancel")
	}
	// The wrong PIN reached the file before the card answered.
	if out := mustRun(t, "vcard", "show", card); !strings.Contains(out, "tries left:    2/3") {
		t.Errorf("counter not persisted:\n%s", out)
	}
	if strings.Contains(errb.String(), "9999") {
		t.Error("serve logged PIN bytes")
	}
}
