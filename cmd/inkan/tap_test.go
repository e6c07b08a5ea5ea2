package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inkan-id/inkan/cardauth/vcard"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
	"github.com/inkan-id/inkan/provider/bridge/bridgetest"
)

func TestVCardTap(t *testing.T) {
	srv := bridgetest.New(t, nil)
	card := filepath.Join(t.TempDir(), "card.json")
	if err := vcard.WriteFile(card, bridgetest.Card(t)); err != nil {
		t.Fatal(err)
	}

	// A wrong PIN from stdin: refused by the card, the counter drop is
	// saved in the card file, and nothing reaches the provider.
	c := srv.Create(t, protocol.PurposeAuth)
	tapStdin = strings.NewReader("9999\n")
	t.Cleanup(func() { tapStdin = nil })
	code, out, errs := inkan(t, context.Background(), "vcard", "tap", card, c.Link, "--pin-stdin")
	if code != exitError || !strings.Contains(errs, "wrong PIN; 2 tries left") || strings.Contains(out+errs, "9999") {
		t.Fatalf("wrong PIN: exit %d\n%s%s", code, out, errs)
	}
	if f, _ := vcard.ReadFile(card); f == nil || f.Auth.TriesLeft != 2 {
		t.Fatalf("counter not persisted: %+v", f.Auth.TriesLeft)
	}
	if srv.State(t, c) != protocol.StatePending {
		t.Fatal("transaction changed")
	}

	// The right PIN answers the link, and the counter is full again.
	out = mustRun(t, "vcard", "tap", card, c.Link, "--pin", bridgetest.AuthPIN)
	if !strings.HasPrefix(out, "done: auth for デモ銀行 (demo-bank), tx "+c.ID) || strings.Count(out, "\n") != 1 {
		t.Fatalf("output %q", out)
	}
	if len(srv.Completer.Calls()) != 1 || srv.State(t, c) != protocol.StateDone {
		t.Fatal("login not completed")
	}
	if f, _ := vcard.ReadFile(card); f.Auth.TriesLeft != 3 {
		t.Fatalf("tries left %d", f.Auth.TriesLeft)
	}

	// A replay is refused with the provider's code.
	code, _, errs = inkan(t, context.Background(), "vcard", "tap", card, c.Link, "--pin", bridgetest.AuthPIN)
	if code != exitError || !strings.Contains(errs, "already_used") {
		t.Fatalf("replay: exit %d %s", code, errs)
	}

	// The inkan:// form of a sign transaction, password from stdin.
	s := srv.Create(t, protocol.PurposeSign)
	tapStdin = strings.NewReader(bridgetest.SignPassword)
	if out := mustRun(t, "vcard", "tap", card, s.AppLink, "--pin-stdin"); !strings.HasPrefix(out, "done: sign for デモ銀行") {
		t.Fatalf("sign: %q", out)
	}
}

func TestVCardTapUsage(t *testing.T) {
	link := "https://id.example.jp/bridge/v1/tx/AAECAwQFBgcICQoLDA0ODw#AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
	for name, args := range map[string][]string{
		"no PIN":       {"vcard", "tap", "card.json", link},
		"two PINs":     {"vcard", "tap", "card.json", link, "--pin", "1234", "--pin-stdin"},
		"no link":      {"vcard", "tap", "card.json", "--pin", "1234"},
		"extra":        {"vcard", "tap", "card.json", link, "x", "--pin", "1234"},
		"unknown flag": {"vcard", "tap", "card.json", link, "--pn", "1234"},
	} {
		if code, _, _ := inkan(t, context.Background(), args...); code != exitUsage {
			t.Errorf("%s: exit %d", name, code)
		}
	}
	// A bad link fails before the card file is even needed, without
	// echoing the secret.
	code, _, errs := inkan(t, context.Background(), "vcard", "tap", filepath.Join(t.TempDir(), "none.json"), "https://x/#secret", "--pin", "1234")
	if code != exitError || strings.Contains(errs, "secret") || !strings.Contains(errs, "not a bridge link") {
		t.Errorf("bad link: exit %d %s", code, errs)
	}
}
