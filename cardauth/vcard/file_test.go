package vcard

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inkan-id/inkan/cardauth/apdu"
)

func writeCard(t *testing.T, f *File) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "card.json")
	if err := WriteFile(path, f); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCountersPersist(t *testing.T) {
	path := writeCard(t, testFile(t))
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	send(t, c, cSelectAP)
	send(t, c, cSelAuthPIN)
	send(t, c, cAuthBad)
	send(t, c, cSelSignPIN)
	send(t, c, cSignBad)
	send(t, c, cSignBad)

	// A "new process" loads the file: the counters are what the card said.
	c2, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	send(t, c2, cSelectAP)
	send(t, c2, cSelAuthPIN)
	if _, s := send(t, c2, cQuery); s != 0x63C2 {
		t.Errorf("auth after reload: %v, want 63C2", s)
	}
	send(t, c2, cSelSignPIN)
	if _, s := send(t, c2, cQuery); s != 0x63C3 {
		t.Errorf("sign after reload: %v, want 63C3", s)
	}
	// Success restores the counter on disk too.
	send(t, c2, cSignOK)
	if f, _ := ReadFile(path); f.Sign.TriesLeft != MaxSignTries {
		t.Errorf("file sign tries %d after success", f.Sign.TriesLeft)
	}
	// Lock it: blocked survives a reload.
	send(t, c2, cSelAuthPIN)
	send(t, c2, cAuthBad)
	send(t, c2, cAuthBad)
	c3, _ := Load(path)
	send(t, c3, cSelectAP)
	if _, s := send(t, c3, "00 20 00 98 04 31 32 33 34"); s != apdu.SWBlocked {
		t.Errorf("blocked PIN after reload: %v, want 6984", s)
	}

	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("card file mode %v, want 0600", fi.Mode().Perm())
	}
	ents, _ := os.ReadDir(filepath.Dir(path))
	if len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
}

func TestPINChangePersists(t *testing.T) {
	path := writeCard(t, testFile(t))
	c, _ := Load(path)
	send(t, c, cSelectAP)
	send(t, c, "00 20 00 98 04 31 32 33 34")
	if _, s := send(t, c, "00 24 01 98 04 35 36 37 38"); s != apdu.SWOK {
		t.Fatal(s)
	}
	f, err := ReadFile(path)
	if err != nil || f.Auth.PIN != "5678" {
		t.Fatalf("PIN on disk %q, %v", f.Auth.PIN, err)
	}
}

func TestPersistFailureFailsClosed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "card.json")
	if err := WriteFile(path, testFile(t)); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	send(t, c, cSelectAP)
	send(t, c, cSelAuthPIN)
	os.RemoveAll(dir) // the card can no longer save

	_, err = c.Transmit(context.Background(), h(cAuthBad))
	var pe *PersistError
	if !errors.As(err, &pe) {
		t.Fatalf("wrong PIN with unsaveable file: %v, want *PersistError", err)
	}
	// The try is still spent in memory: the card never gives it back.
	if _, s := send(t, c, cQuery); s != 0x63C2 {
		t.Errorf("counter after failed save: %v, want 63C2", s)
	}
	// A correct PIN cannot reset the counter without saving, and grants nothing.
	if _, err := c.Transmit(context.Background(), h(cAuthOK)); !errors.As(err, &pe) {
		t.Fatalf("right PIN with unsaveable file: %v", err)
	}
	send(t, c, cSelAuthKey)
	if _, s := send(t, c, cSign80); s != apdu.SWSecurityStatus {
		t.Errorf("sign after unsaved VERIFY: %v, want 6982", s)
	}
	// An empty VERIFY writes nothing, so it still works.
	send(t, c, cSelAuthPIN)
	if _, s := send(t, c, cQuery); s != 0x63C2 {
		t.Errorf("query: %v", s)
	}
}

func TestValidate(t *testing.T) {
	other := testFile(t)
	tests := []struct {
		name string
		mod  func(*File)
		want string
	}{
		{"ok", func(*File) {}, ""},
		{"no sign", func(f *File) { f.Sign = nil }, ""},
		{"version", func(f *File) { f.Version = 2 }, "version"},
		{"profile", func(f *File) { f.Profile = "juki" }, "profile"},
		{"atr", func(f *File) { f.ATR = []byte{0x3B} }, "ATR"},
		{"filler", func(f *File) { f.Filler = -1 }, "filler"},
		{"pin", func(f *File) { f.Auth.PIN = "12345" }, "4 digits"},
		{"pin letters", func(f *File) { f.Auth.PIN = "12a4" }, "4 digits"},
		{"auth tries", func(f *File) { f.Auth.TriesLeft = 4 }, "tries_left"},
		{"sign tries", func(f *File) { f.Sign.TriesLeft = -1 }, "tries_left"},
		{"password lower", func(f *File) { f.Sign.Password = "abc123" }, "password"},
		{"password no digit", func(f *File) { f.Sign.Password = "ABCDEF" }, "password"},
		{"key", func(f *File) { f.Auth.PrivateKey = []byte("x") }, "private key"},
		{"cert", func(f *File) { f.Auth.Certificate = []byte("x") }, "certificate"},
		{"mismatch", func(f *File) { f.Auth.Certificate = other.Sign.Certificate }, "does not match"},
		{"ca", func(f *File) { f.Sign.CACertificate = nil }, "CA certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := testFile(t)
			tt.mod(f)
			err := f.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidFile) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want ErrInvalidFile mentioning %q", err, tt.want)
			}
		})
	}
}

func TestLoadRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"garbage.json": "{not json",
		"empty.json":   "{}",
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o600)
		if _, err := Load(p); !errors.Is(err, ErrInvalidFile) {
			t.Errorf("%s: %v, want ErrInvalidFile", name, err)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
}

func TestFileRoundTrip(t *testing.T) {
	f := testFile(t)
	f.ATR = h("3B 88 80 01 00 00 05 E0 B3 81 A1 00 7F")
	f.Filler = 16
	path := writeCard(t, f)
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `"atr": "3B888001000005E0B381A1007F"`) {
		t.Errorf("ATR not hex in file:\n%s", b[:200])
	}
	g, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(g.ATR) != string(f.ATR) || g.Filler != 16 || g.Sign.Password != testPassword {
		t.Errorf("round trip lost fields: %+v", g)
	}
}
