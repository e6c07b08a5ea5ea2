package main

import (
	"crypto/rand"
	"encoding/base64"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/inkan-id/inkan/cardauth/vcard"
)

// The tests of "open" run the command in-process with the virtual card
// behind the env's card opener, against an in-process dev provider whose
// test CA issued the card.

// transcript collects everything the commands printed in one test, to
// check at the end that no secret was ever shown.
type transcript struct {
	t    *testing.T
	text strings.Builder
}

func (tr *transcript) run(card *vcard.Card, stdin string, args ...string) (int, string, string) {
	tr.t.Helper()
	code, out, errs := runMem(tr.t, card, stdin, args...)
	tr.text.WriteString(out + errs)
	return code, out, errs
}

// clean fails when a bridge secret or the PIN (as a whole number, so a
// port like 18531 does not count) appears in the output.
func (tr *transcript) check(pin string, secrets ...string) {
	tr.t.Helper()
	s := tr.text.String()
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			tr.t.Errorf("a link's secret appears in the output:\n%s", s)
		}
	}
	if regexp.MustCompile(`(^|[^0-9])` + pin + `([^0-9]|$)`).MatchString(s) {
		tr.t.Errorf("the PIN appears in the output:\n%s", s)
	}
}

func TestOpenSignsIn(t *testing.T) {
	p := startProvider(t)
	card := vcard.New(p.cardFile())
	tr := &transcript{t: t}
	l := p.beginLogin()

	// The inkan:// form, as the browser hands it to the URL handler; the
	// user says y, then types the PIN.
	code, out, errs := tr.run(card, "y\n"+provPIN+"\n", "open", l.AppLink, "--pin-stdin")
	if code != exitOK {
		t.Fatalf("open: exit %d\n%s%s", code, out, errs)
	}
	txURL, _, _ := strings.Cut(l.HTTPSLink, "#")
	for _, want := range []string{
		"Who is asking:  Test bank (client id: rp)",
		"For what:       sign in with your My Number Card (4-digit PIN)",
		"Login at:       " + p.issuer + "\n",
		"Link:           " + txURL + " (secret part not shown)",
		"Expires:        ",
		"Done: your card answered the sign-in for Test bank",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("open output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "Use your card for Test bank?") || !strings.Contains(errs, "[y/N]") {
		t.Errorf("no confirmation question:\n%s", errs)
	}
	if !regexp.MustCompile(`Expires:        \d\d:\d\d:\d\d \S+ \(in [0-9m]+s\)`).MatchString(out) {
		t.Errorf("expiry not shown as a time with the time left:\n%s", out)
	}
	// The relying party gets its code and a valid ID token.
	l.finish()

	// Single use: the same link again is refused by the website.
	code, _, errs = tr.run(card, provPIN+"\n", "open", "--yes", l.HTTPSLink, "--pin-stdin")
	if code != exitTxGone || !strings.Contains(errs, "(already_used)") || !strings.Contains(errs, "already been used") {
		t.Fatalf("a used link: exit %d %s", code, errs)
	}
	tr.check(provPIN, l.Secret())
}

func TestOpenDeclined(t *testing.T) {
	p := startProvider(t)
	card := vcard.New(p.cardFile())
	tr := &transcript{t: t}
	l := p.beginLogin()
	for _, stdin := range []string{"n\n" + provPIN + "\n", "\n", "", "yess\n"} {
		code, _, errs := tr.run(card, stdin, "open", l.AppLink, "--pin-stdin")
		if code != exitDeclined || !strings.Contains(errs, "nothing was sent") {
			t.Fatalf("answer %q: exit %d %s", stdin, code, errs)
		}
	}
	if card.File().Auth.TriesLeft != 3 || l.done() {
		t.Fatal("a declined request touched the card or the login")
	}
	// Nothing was sent, so the request can still be answered.
	if code, _, errs := tr.run(card, "YES\n"+provPIN+"\n", "open", l.AppLink, "--pin-stdin"); code != exitOK {
		t.Fatalf("open after declining: exit %d %s", code, errs)
	}
	l.finish()
	tr.check(provPIN, l.Secret())
}

func TestOpenLastTry(t *testing.T) {
	p := startProvider(t)
	f := p.cardFile()
	tr := &transcript{t: t}

	f.Auth.TriesLeft = 1
	card := vcard.New(f.Clone())
	l := p.beginLogin()
	// One try left: without --confirm-last-try the user must type YES.
	for _, ans := range []string{"no\n", "yes\n", ""} {
		code, _, errs := tr.run(card, ans+provPIN+"\n", "open", "--yes", l.AppLink, "--pin-stdin")
		if code != exitLastTry || !strings.Contains(errs, "type YES") || !strings.Contains(errs, "nothing was sent") {
			t.Fatalf("last try answered %q: exit %d %s", ans, code, errs)
		}
		if card.File().Auth.TriesLeft != 1 || l.done() {
			t.Fatalf("an unconfirmed last try reached the card (tries %d) or the website", card.File().Auth.TriesLeft)
		}
	}
	code, _, errs := tr.run(card, "YES\n"+provPIN+"\n", "open", "--yes", l.AppLink, "--pin-stdin")
	if code != exitOK || card.File().Auth.TriesLeft != 3 {
		t.Fatalf("last try confirmed with YES: exit %d, tries %d\n%s", code, card.File().Auth.TriesLeft, errs)
	}
	l.finish()

	// --confirm-last-try answers the question in advance.
	card = vcard.New(f.Clone())
	l2 := p.beginLogin()
	if code, _, errs := tr.run(card, provPIN+"\n", "open", "--yes", "--confirm-last-try", l2.AppLink, "--pin-stdin"); code != exitOK {
		t.Fatalf("--confirm-last-try: exit %d %s", code, errs)
	}
	l2.finish()

	// Blocked: refused before the PIN is asked for.
	f.Auth.TriesLeft = 0
	card = vcard.New(f.Clone())
	l3 := p.beginLogin()
	code, _, errs = tr.run(card, "", "open", "--yes", "--confirm-last-try", l3.AppLink)
	if code != exitBlocked || !strings.Contains(errs, "PIN is blocked; reset it at your municipal office") {
		t.Fatalf("blocked card: exit %d %s", code, errs)
	}
	if l3.done() {
		t.Fatal("a blocked card completed a login")
	}
	tr.check(provPIN, l.Secret(), l2.Secret(), l3.Secret())
}

func TestOpenWrongPIN(t *testing.T) {
	p := startProvider(t)
	card := vcard.New(p.cardFile())
	tr := &transcript{t: t}
	l := p.beginLogin()
	code, _, errs := tr.run(card, "0000\n", "open", l.AppLink, "--yes", "--pin-stdin")
	if code != exitWrongPIN || !strings.Contains(errs, "wrong PIN, 2 tries left; nothing was sent to the website") {
		t.Fatalf("wrong PIN: exit %d %s", code, errs)
	}
	code, _, errs = tr.run(card, "12a4\n", "open", l.AppLink, "--yes", "--pin-stdin")
	if code != exitBadPIN || card.File().Auth.TriesLeft != 2 {
		t.Fatalf("malformed PIN: exit %d, tries %d %s", code, card.File().Auth.TriesLeft, errs)
	}
	if l.done() {
		t.Fatal("a wrong PIN completed the login")
	}
	// The user retries with the same link: a wrong PIN cost no attempt on
	// the website.
	code, _, errs = tr.run(card, provPIN+"\n", "open", l.AppLink, "--yes", "--pin-stdin")
	if code != exitOK || !strings.Contains(errs, "note: 2 tries left") || card.File().Auth.TriesLeft != 3 {
		t.Fatalf("right PIN after a wrong one: exit %d %s", code, errs)
	}
	l.finish()
	tr.check(provPIN, l.Secret())
}

func TestOpenSignature(t *testing.T) {
	p := startProvider(t)
	card := vcard.New(p.cardFile())
	tr := &transcript{t: t}
	l := p.beginLogin("verified_claims")
	code, out, errs := tr.run(card, "y\n"+strings.ToLower(testPassword)+"\n", "open", l.AppLink, "--pin-stdin")
	if code != exitOK {
		t.Fatalf("open (sign): exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"an electronic signature with your signature password",
		"This gives Test bank your name, address, date of birth and gender", "Done: your card answered the electronic signature"} {
		if !strings.Contains(out, want) {
			t.Errorf("open (sign) output lacks %q:\n%s", want, out)
		}
	}
	if card.File().Auth.TriesLeft != 3 || card.File().Sign.TriesLeft != 5 {
		t.Error("counters changed")
	}
	l.finish()
	tr.check(testPassword, l.Secret())
	tr.check(strings.ToLower(testPassword))
}

func TestOpenRefusals(t *testing.T) {
	p := startProvider(t)
	card := vcard.New(p.cardFile())
	tr := &transcript{t: t}

	// A link whose secret is wrong: the website refuses with its code.
	l := p.beginLogin()
	base, _, _ := strings.Cut(l.HTTPSLink, "#")
	wrong := make([]byte, 32)
	rand.Read(wrong)
	wrongSecret := base64.RawURLEncoding.EncodeToString(wrong)
	code, _, errs := tr.run(card, provPIN+"\n", "open", base+"#"+wrongSecret, "--yes", "--pin-stdin")
	if code != exitTxGone || !strings.Contains(errs, "the website refused (unauthorized): This link cannot be used") {
		t.Fatalf("wrong secret: exit %d %s", code, errs)
	}

	// Nobody listening: a network failure.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String() + base[len(p.issuer):] + "#" + l.Secret()
	ln.Close()
	code, _, errs = tr.run(card, provPIN+"\n", "open", dead, "--yes", "--pin-stdin")
	if code != exitNetwork || !strings.Contains(errs, "could not reach the website") {
		t.Fatalf("no server: exit %d %s", code, errs)
	}

	// Not a bridge link: refused before any network access.
	for _, bad := range []string{"https://id.example.jp/bridge/v1/tx/AAECAwQFBgcICQoLDA0ODw", base + "#short",
		"http://id.example.jp/bridge/v1/tx/AAECAwQFBgcICQoLDA0ODw#" + l.Secret(), "inkan://tx?link=inkan%3A%2F%2Ftx"} {
		code, _, errs = tr.run(card, "", "open", bad, "--yes")
		if code != exitUsage || !strings.Contains(errs, "not a bridge link") {
			t.Fatalf("bad link %q: exit %d %s", bad, code, errs)
		}
	}

	// Expired: the provider's clock is past the transaction's 3 minutes.
	l2 := p.beginLogin()
	p.skew.Store(int64(4 * time.Minute))
	code, _, errs = tr.run(card, provPIN+"\n", "open", l2.AppLink, "--yes", "--pin-stdin")
	p.skew.Store(0)
	if code != exitTxGone || !strings.Contains(errs, "(expired): The time limit has passed") || !strings.Contains(errs, "時間切れ") {
		t.Fatalf("expired: exit %d %s", code, errs)
	}
	// The same provider under another name: it says it is 127.0.0.1, the
	// link leads to localhost. A relaying front looks like this.
	l3 := p.beginLogin()
	relayed := strings.Replace(l3.HTTPSLink, "http://127.0.0.1:", "http://localhost:", 1)
	code, _, errs = tr.run(card, provPIN+"\n", "open", relayed, "--yes", "--pin-stdin")
	if code != exitRefused || !strings.Contains(errs, "stopped for your safety: the link leads to http://localhost:") {
		t.Fatalf("origin mismatch: exit %d %s", code, errs)
	}
	if card.File().Auth.TriesLeft != 3 || l.done() || l2.done() || l3.done() {
		t.Fatal("a refused request touched the card or completed a login")
	}
	tr.check(provPIN, l.Secret(), l2.Secret(), l3.Secret(), wrongSecret)
}

func TestOpenUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"open"}, exitUsage},
		{[]string{"open", "-h"}, exitOK},
		{[]string{"open", "--frob"}, exitUsage},
		{[]string{"open", "a", "b"}, exitUsage},
		{[]string{"open", "--yes", "--", "a", "b"}, exitUsage},
		{[]string{"install-handler", "extra"}, exitUsage},
		{[]string{"install-handler", "-h"}, exitOK},
	} {
		if code, _, errs := runMem(t, nil, "", tc.args...); code != tc.code {
			t.Errorf("%q: exit %d, want %d\n%s", tc.args, code, tc.code, errs)
		}
	}
	_, out, _ := runMem(t, nil, "", "-h")
	for _, want := range []string{"open    BRIDGE-LINK", "install-handler", "10  open:", "11  open:", "12  open:", "13  open:"} {
		if !strings.Contains(out, want) {
			t.Errorf("-h lacks %q", want)
		}
	}
	// No card: the request is shown, then the reader is missing.
	p := startProvider(t)
	l := p.beginLogin()
	code, out, errs := runMem(t, nil, "", "open", l.AppLink, "--yes")
	if code != exitNoCard || !strings.Contains(out, "Test bank") {
		t.Fatalf("open without a card: exit %d\n%s%s", code, out, errs)
	}
	// No terminal and no --pin-stdin: refuse rather than read an echoed PIN.
	code, _, errs = runMem(t, vcard.New(p.cardFile()), provPIN+"\n", "open", l.AppLink, "--yes")
	if code != exitError || !strings.Contains(errs, "--pin-stdin") || l.done() {
		t.Fatalf("open without a terminal: exit %d %s", code, errs)
	}
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"デモ銀行":                    "デモ銀行",
		"Bank\x1b[2J\x1b]0;x\x07": "Bank[2J]0;x",
		"a\u202eb\u2066c":         "abc",
		"line\nbreak\r\t":         "linebreak",
		strings.Repeat("x", 300):  strings.Repeat("x", 200) + "…",
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestOpenClaim: the first computer to open a link claims it. Opening it
// again on the same computer (a new process after a wrong PIN, or after
// answering no) is the same device; another computer is refused.
func TestOpenClaim(t *testing.T) {
	p := startProvider(t)
	card := vcard.New(p.cardFile())
	tr := &transcript{t: t}
	l := p.beginLogin()
	here := os.Getenv("XDG_CONFIG_HOME")

	code, out, errs := tr.run(card, "n\n", "open", l.AppLink)
	if code != exitDeclined || !regexp.MustCompile(`Check code:     [0-9A-Z]{2,8}  \(the website shows the same code`).MatchString(out) {
		t.Fatalf("first open: exit %d\n%s%s", code, out, errs)
	}
	keyPath := filepath.Join(here, "inkan-reader", "claim.key")
	st, err := os.Stat(keyPath)
	if err != nil || st.Mode().Perm() != 0o600 || st.Size() != claimKeySize {
		t.Fatalf("claim key %s: %v %v", keyPath, st, err)
	}
	key, _ := os.ReadFile(keyPath)

	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // another computer (user)
	code, _, errs = tr.run(card, provPIN+"\n", "open", l.AppLink, "--yes", "--pin-stdin")
	if code != exitTxGone || !strings.Contains(errs, "(claimed_by_another_device)") || card.File().Auth.TriesLeft != 3 {
		t.Fatalf("open on another device: exit %d %s", code, errs)
	}

	t.Setenv("XDG_CONFIG_HOME", here)
	if code, _, errs = tr.run(card, provPIN+"\n", "open", l.AppLink, "--yes", "--pin-stdin"); code != exitOK {
		t.Fatalf("open again on the first device: exit %d %s", code, errs)
	}
	if again, _ := os.ReadFile(keyPath); string(again) != string(key) {
		t.Fatal("the claim key changed")
	}
	l.finish()
	tr.check(provPIN, l.Secret())
	if strings.Contains(tr.text.String(), base64.RawURLEncoding.EncodeToString(key)) {
		t.Fatal("the claim key appears in the output")
	}
}

// TestOpenTerminal runs open as the URL handler does: in a terminal, the
// PIN typed without echo; a failure waits for Enter so that the window
// stays open.
func TestOpenTerminal(t *testing.T) {
	p := startProvider(t)
	card := vcard.New(p.cardFile())
	l := p.beginLogin()
	term := func(stdin string, args ...string) (int, string, string, []string) {
		e, out, errb := memEnv(card, stdin)
		var prompts []string
		e.askPIN = func(prompt string) (string, error) {
			prompts = append(prompts, prompt)
			return provPIN, nil
		}
		code := run(t.Context(), args, e)
		return code, out.String(), errb.String(), prompts
	}
	code, _, errs, prompts := term("n\n\n", "open", l.AppLink)
	if code != exitDeclined || !strings.HasSuffix(errs, "Press Enter to close.") || len(prompts) != 0 {
		t.Fatalf("declined in a terminal: exit %d %q, PIN asked %d times", code, errs, len(prompts))
	}
	code, _, errs, prompts = term("y\n", "open", l.AppLink)
	if code != exitOK || len(prompts) != 1 || prompts[0] != "Authentication PIN (4 digits): " || strings.Contains(errs, "Press Enter") {
		t.Fatalf("open in a terminal: exit %d %q, prompts %q", code, errs, prompts)
	}
	l.finish()
}
