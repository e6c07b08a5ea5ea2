package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/inkan-id/inkan/cardauth/jpki"
	mobilebridge "github.com/inkan-id/inkan/mobile-bridge"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

const openSynopsis = "BRIDGE-LINK [--reader NAME] [--pin-stdin] [--confirm-last-try] [--yes]"

// cmdOpen answers a bridge link with the card in a PC/SC reader: the flow
// of the phone app (docs/bridge.md §2) with a reader on this PC. It is
// what the inkan:// URL handler runs (install-handler).
//
// Order matters for the user: who is asking and for what is shown before
// the card is touched; the PIN counter is read before the PIN is asked
// for; the PIN is sent once and never retried (design.md rule 2).
func cmdOpen(ctx context.Context, args []string, e *env) int {
	fs := newFlags(e, "open", openSynopsis)
	var (
		cf                     cardFlags
		pinStdin, confirm, yes bool
	)
	cf.register(fs)
	fs.BoolVar(&pinStdin, "pin-stdin", false, "read the PIN (or signature password) from standard input, after the answers to any questions")
	fs.BoolVar(&confirm, "confirm-last-try", false, "send the PIN even when only one try is left, without asking")
	fs.BoolVar(&yes, "yes", false, "do not ask before using the card (the request is still shown)")
	pos, code, done := parseInterleaved(fs, args)
	if done {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprintln(e.stderr, "inkan-reader open: give exactly one bridge link (https://…/bridge/v1/tx/… or inkan://tx?link=…)")
		return exitUsage
	}
	// One buffered reader serves the questions and --pin-stdin, so the
	// lines come in the order they are asked for.
	in := bufio.NewReader(e.stdin)
	ee := *e
	ee.stdin = in
	e = &ee

	code = openLink(ctx, e, in, pos[0], cf, pinStdin, confirm, yes)
	// Opened from a browser, the terminal window closes when the program
	// ends: keep it open so that the user can read what went wrong.
	if code != exitOK && e.askPIN != nil && !yes && ctx.Err() == nil {
		fmt.Fprint(e.stderr, "Press Enter to close.")
		_, _ = in.ReadString('\n')
	}
	return code
}

// openLink runs the flow of cmdOpen and returns its exit code.
func openLink(ctx context.Context, e *env, in *bufio.Reader, raw string, cf cardFlags, pinStdin, confirm, yes bool) int {
	// Refuse a malformed link before any network or card access. The
	// error never repeats the link, which holds the secret.
	link, err := protocol.ParseLink(raw)
	if err != nil {
		fmt.Fprintf(e.stderr, "inkan-reader open: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(e.stdout, "Contacting %s …\n", link.Origin())
	opts := mobilebridge.Options{ConfirmLastTry: confirm}
	if tok, err := claimToken(link.TxURL()); err == nil {
		opts.ClaimToken = tok
	} else {
		// Still works now; only opening the link again later would count
		// as another device.
		fmt.Fprintf(e.stderr, "inkan-reader: note: %v\n", err)
	}
	s, err := mobilebridge.Fetch(ctx, raw, &opts)
	if err != nil {
		return failOpen(e.stderr, jpki.AuthKey, err)
	}
	showRequest(e.stdout, s, time.Now())
	k := s.Key()
	rp := clean(s.Transaction.RelyingParty.Name)

	if !yes {
		ok, err := ask(e, in, fmt.Sprintf("Use your card for %s? Type y and Enter to continue [y/N]: ", rp), "y", "yes")
		if err != nil {
			return failOpen(e.stderr, k, err)
		}
		if !ok {
			fmt.Fprintln(e.stderr, "inkan-reader: stopped at your request; nothing was sent to the card or to the website")
			return exitDeclined
		}
	}

	c, err := cf.open(ctx, e)
	if err != nil {
		return failOpen(e.stderr, k, err)
	}
	defer c.Close()
	cl := jpki.New(c, nil)
	// Leave no verified state behind for other programs: SELECT of the
	// AP clears it (jpki.md §2.1). Harmless when nothing was verified.
	defer func() { _ = cl.Select(context.WithoutCancel(ctx)) }()

	if err := cl.Select(ctx); err != nil {
		return failOpen(e.stderr, k, err)
	}
	n, verified, err := cl.Retries(ctx, k)
	switch {
	case err != nil:
		return failOpen(e.stderr, k, err)
	case verified:
	case n == 0:
		return failOpen(e.stderr, k, jpki.ErrPINBlocked)
	case n == 1 && !confirm:
		fmt.Fprintf(e.stderr, "Only 1 try is left for your %s. If you type a wrong one now, it will be blocked\n"+
			"and you will have to reset it %s.\n", credential(k), resetWhere(k))
		ok, err := ask(e, in, "If you are sure of it, type YES (in capitals) to use your last try: ", "YES")
		if err != nil {
			return failOpen(e.stderr, k, err)
		}
		if !ok {
			fmt.Fprintf(e.stderr, "inkan-reader: the last try was not confirmed; nothing was sent to the card or to the website\n")
			return exitLastTry
		}
		// Fetch fixed the options of the session; fetch again with the
		// confirmation, under the same claim token (the same device).
		// Only here: a counter that drops to 1 later (another program
		// spends a try while the PIN is typed) is still refused by the
		// card check in jpki.Verify, as the user agreed to nothing then.
		opts.ConfirmLastTry = true
		if s, err = refetch(ctx, raw, &opts, s); err != nil {
			return failOpen(e.stderr, k, err)
		}
	case n < k.MaxTries():
		fmt.Fprintf(e.stderr, "inkan-reader: note: %s left\n", tries(n))
	}

	pin, err := readPIN(e, pinStdin, promptFor(k))
	if err != nil {
		return failOpen(e.stderr, k, err)
	}
	res, err := s.Answer(ctx, c, pin)
	if err != nil {
		return failOpen(e.stderr, k, err)
	}
	what := "sign-in"
	if res.Transaction.Purpose == protocol.PurposeSign {
		what = "electronic signature"
	}
	fmt.Fprintf(e.stdout, "Done: your card answered the %s for %s. Go back to your browser to continue.\n", what, rp)
	return exitOK
}

// refetch reads the transaction again with new options and checks that it
// is the one the user was shown.
func refetch(ctx context.Context, link string, opts *mobilebridge.Options, old *mobilebridge.Session) (*mobilebridge.Session, error) {
	s, err := mobilebridge.Fetch(ctx, link, opts)
	if err != nil {
		return nil, err
	}
	if s.Transaction.Purpose != old.Transaction.Purpose || s.Transaction.RelyingParty != old.Transaction.RelyingParty {
		return nil, errors.New("the request changed while you were asked; start again from the website")
	}
	return s, nil
}

// showRequest tells the user who is asking, for what, where and until
// when. Everything from the provider is cleaned of control characters, so
// a relying party's name cannot rewrite the terminal. The link is shown
// without its secret (the fragment).
func showRequest(w io.Writer, s *mobilebridge.Session, now time.Time) {
	tx := s.Transaction
	rp := clean(tx.RelyingParty.Name)
	if rp == "" {
		rp = "(no name given)"
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  Who is asking:  %s (client id: %s)\n", rp, clean(tx.RelyingParty.ClientID))
	switch tx.Purpose {
	case protocol.PurposeSign:
		fmt.Fprintln(w, "  For what:       an electronic signature with your signature password (6-16 letters and digits).")
		fmt.Fprintf(w, "                  This gives %s your name, address, date of birth and gender\n", rp)
		fmt.Fprintln(w, "                  as recorded in your card's signature certificate.")
	default:
		fmt.Fprintln(w, "  For what:       sign in with your My Number Card (4-digit PIN).")
		fmt.Fprintln(w, "                  No name, address or other personal details are read from the card.")
	}
	if len(tx.Scopes) > 0 {
		sc := make([]string, len(tx.Scopes))
		for i, v := range tx.Scopes {
			sc[i] = clean(v)
		}
		fmt.Fprintf(w, "  Scopes asked:   %s\n", strings.Join(sc, " "))
	}
	fmt.Fprintf(w, "  Login at:       %s\n", s.Link.Origin())
	if code := clean(tx.BindingCode); code != "" {
		fmt.Fprintf(w, "  Check code:     %s  (the website shows the same code; if it does not, answer no)\n", code)
	}
	fmt.Fprintf(w, "  Link:           %s (secret part not shown)\n", s.Link.TxURL())
	exp := tx.ExpiresAt.Local()
	left := exp.Sub(now).Round(time.Second)
	if left > 0 {
		fmt.Fprintf(w, "  Expires:        %s (in %s)\n", exp.Format("15:04:05 MST"), left)
	} else {
		fmt.Fprintf(w, "  Expires:        %s (already passed by this computer's clock)\n", exp.Format("15:04:05 MST"))
	}
	fmt.Fprintln(w, "  Only continue if you started this on that website just now.")
	fmt.Fprintln(w)
}

// ask prompts on stderr and reads one line from in. It is true when the
// line, trimmed, equals one of yes (y/yes compared without case; "YES"
// exactly, so that the last try needs a deliberate answer). End of input
// is a no.
func ask(e *env, in *bufio.Reader, prompt string, yes ...string) (bool, error) {
	fmt.Fprint(e.stderr, prompt)
	line, err := in.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	if errors.Is(err, io.EOF) && line == "" {
		fmt.Fprintln(e.stderr)
	}
	line = strings.TrimSpace(line)
	for _, y := range yes {
		if line == y || (y != "YES" && strings.EqualFold(line, y)) {
			return true, nil
		}
	}
	return false, nil
}

// clean drops control and bidirectional-override characters from text
// the provider sent, and caps its length, before it reaches a terminal.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r):
			return -1
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}

func credential(k jpki.KeyKind) string {
	if k == jpki.SignKey {
		return "signature password"
	}
	return "PIN"
}

func resetWhere(k jpki.KeyKind) string {
	if k == jpki.SignKey {
		return "at your municipal office or a convenience-store kiosk"
	}
	return "at your municipal office"
}

// parseInterleaved parses flags that may come before or after the
// positional arguments ("open LINK --yes", as a URL handler appends the
// link anywhere); everything after "--" is positional.
func parseInterleaved(fs *flag.FlagSet, args []string) (pos []string, code int, done bool) {
	for {
		err := fs.Parse(args)
		switch {
		case errors.Is(err, flag.ErrHelp):
			return nil, exitOK, true
		case err != nil:
			return nil, exitUsage, true
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, 0, false
		}
		if i := len(args) - len(rest); i > 0 && args[i-1] == "--" {
			return append(pos, rest...), 0, false
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
