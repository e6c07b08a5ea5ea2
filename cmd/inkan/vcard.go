package main

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/inkan-id/inkan/cardauth/vcard"
	"github.com/inkan-id/inkan/cardauth/vcard/testca"
	"github.com/inkan-id/inkan/cardauth/vcard/vpcd"
)

// Defaults of `inkan vcard new`, documented in -h and docs/vcard.md. The
// holder is synthetic; never put a real person's data on a test card.
const (
	defaultCADir        = "inkan-data/testca"
	defaultAuthPIN      = "1234"
	defaultSignPassword = "ABC123"
	defaultName         = "山田　太郎"
	defaultBirthdate    = "1990-01-02"
	defaultAddress      = "東京都千代田区千代田１－１"
	defaultGender       = "1"
)

// now is the clock of the vcard commands; tests replace it.
var now = time.Now

type vcardCmd struct {
	name, args, summary string
	run                 func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func vcardCommands() []vcardCmd {
	return []vcardCmd{
		{"new", "-o card.json [options]", "issue a new virtual card from the test CA", vcardNew},
		{"serve", "card.json [--vpcd addr]", "plug the card into pcscd through vsmartcard vpcd", vcardServe},
		{"revoke", "card.json [--ca dir] [--reason n] [--auth] [--sign]", "revoke the card's certificates in the test CA", vcardRevoke},
		{"show", "card.json", "print profile, certificates and tries left", vcardShow},
		{"tap", "card.json BRIDGE-LINK [--pin-stdin]", "answer a bridge link with the card, as a phone would", vcardTap},
	}
}

func runVCard(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stderr, "usage: inkan vcard <command> [arguments]\n\ncommands:")
		for _, c := range vcardCommands() {
			fmt.Fprintf(stderr, "  %-7s %-48s %s\n", c.name, c.args, c.summary)
		}
		if len(args) == 0 {
			return usagef("vcard: missing command")
		}
		return nil
	}
	for _, c := range vcardCommands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	return usagef("vcard: unknown command %q (try 'inkan vcard help')", args[0])
}

func newFlagSet(name, args, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("inkan vcard "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: inkan vcard %s %s\n\n%s.\n\noptions:\n", name, args, summary)
		fs.PrintDefaults()
	}
	return fs
}

func vcardNew(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("new", "-o card.json [options]", "Issue a new virtual My Number Card: two RSA-2048 keys with certificates from the test CA", stderr)
	out := fs.String("o", "", "card file to write (required; mode 0600)")
	caDir := fs.String("ca", defaultCADir, "test CA directory, created if missing")
	profile := fs.String("profile", vcard.ProfileCard, "card | android-se | iphone")
	pin := fs.String("auth-pin", defaultAuthPIN, "user-authentication PIN, 4 digits")
	password := fs.String("sign-password", defaultSignPassword, "signature password, 6–16 of A–Z and 0–9 with both (upper-cased)")
	noSign := fs.Bool("no-sign-cert", false, "issue no signature certificate (like most cards of holders under 15)")
	name := fs.String("name", defaultName, "holder name (synthetic)")
	birth := fs.String("birthdate", defaultBirthdate, "holder birth date, YYYY-MM-DD")
	address := fs.String("address", defaultAddress, "holder address (synthetic)")
	gender := fs.String("gender", defaultGender, "holder gender code: 1 male, 2 female, 3 unknown")
	atr := fs.String("atr", "", "ATR in hex (default "+strings.ToUpper(hex.EncodeToString(vcard.DefaultATR))+")")
	filler := fs.Int("filler", 0, "FF bytes after the DER in each certificate EF")
	extended := fs.Bool("extended-length", false, "accept extended-length APDUs")
	force := fs.Bool("force", false, "overwrite an existing card file")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("vcard new: unexpected argument %q", pos[0])
	}
	if *out == "" {
		return usagef("vcard new: -o card.json is required")
	}
	atrBytes, err := hex.DecodeString(strings.ReplaceAll(*atr, " ", ""))
	if err != nil {
		return usagef("vcard new: --atr: %v", err)
	}
	spec := vcard.Spec{
		Profile:        *profile,
		AuthPIN:        *pin,
		SignPassword:   *password,
		NoSignCert:     *noSign,
		Holder:         testca.Holder{Name: *name, Birthdate: *birth, Address: *address, Gender: *gender},
		ATR:            atrBytes,
		Filler:         *filler,
		ExtendedLength: *extended,
	}
	if err := spec.Validate(); err != nil {
		return err
	}
	// Claim the output name first so a refused overwrite costs no key
	// generation and leaves the CA untouched.
	if err := claim(*out, *force); err != nil {
		return err
	}
	f, err := issue(*caDir, spec)
	if err != nil {
		os.Remove(*out)
		return err
	}
	if err := vcard.WriteFile(*out, f); err != nil {
		os.Remove(*out)
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (profile %s, test CA %s)\n", *out, f.Profile, *caDir)
	return printCards(stdout, f)
}

// claim creates path exclusively, or accepts an existing one with force.
func claim(path string, force bool) error {
	if force {
		return nil
	}
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists; use --force to overwrite it", path)
	}
	if err != nil {
		return err
	}
	return fh.Close()
}

func issue(caDir string, spec vcard.Spec) (*vcard.File, error) {
	t := now()
	ca, err := testca.LoadOrCreate(caDir, t)
	if err != nil {
		return nil, err
	}
	f, err := vcard.Issue(ca, spec, t)
	if err != nil {
		return nil, err
	}
	// The CA records issued serials; save them so revoke and OCSP know them.
	if err := ca.Save(caDir); err != nil {
		return nil, err
	}
	return f, nil
}

func vcardServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "card.json [--vpcd addr]", "Serve the card to pcscd through the vsmartcard vpcd driver until SIGINT or SIGTERM", stderr)
	addr := fs.String("vpcd", vpcd.DefaultAddr, "address where vpcd (loaded by pcscd) listens for the card")
	verbose := fs.Bool("v", false, "log at debug level")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("vcard serve: want exactly one card file")
	}
	card, err := vcard.Load(pos[0])
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	log.Info("serving virtual card", "file", pos[0], "profile", card.File().Profile, "vpcd", *addr)
	err = vpcd.Serve(ctx, *addr, card, log)
	if ctx.Err() != nil {
		log.Info("stopped")
		return nil
	}
	return err
}

func vcardRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("revoke", "card.json [--ca dir] [--reason n] [--auth] [--sign]", "Revoke the card's certificates in the test CA (both unless --auth or --sign)", stderr)
	caDir := fs.String("ca", defaultCADir, "test CA directory that issued the card")
	reason := fs.Int("reason", testca.ReasonKeyCompromise, "RFC 5280 CRLReason code")
	onlyAuth := fs.Bool("auth", false, "revoke the authentication certificate")
	onlySign := fs.Bool("sign", false, "revoke the signature certificate")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("vcard revoke: want exactly one card file")
	}
	f, err := vcard.ReadFile(pos[0])
	if err != nil {
		return err
	}
	// Revoking needs the CA that issued the card; creating a fresh one here
	// would silently revoke nothing anyone checks.
	ca, err := testca.Load(*caDir)
	if err != nil {
		return err
	}
	both := !*onlyAuth && !*onlySign
	type target struct {
		kind testca.Kind
		der  []byte
	}
	var targets []target
	if both || *onlyAuth {
		targets = append(targets, target{testca.Auth, f.Auth.Certificate})
	}
	if both || *onlySign {
		switch {
		case f.Sign != nil:
			targets = append(targets, target{testca.Sign, f.Sign.Certificate})
		case *onlySign:
			return fmt.Errorf("%s has no signature certificate", pos[0])
		default:
			fmt.Fprintln(stdout, "no signature certificate on the card; skipped")
		}
	}
	t := now()
	for _, tg := range targets {
		cert, err := x509.ParseCertificate(tg.der)
		if err != nil {
			return err
		}
		if err := cert.CheckSignatureFrom(ca.Root(tg.kind)); err != nil {
			return fmt.Errorf("the %v certificate of %s was not issued by the test CA in %s", tg.kind, pos[0], *caDir)
		}
		err = ca.Revoke(tg.kind, cert.SerialNumber, *reason, t)
		switch {
		case errors.Is(err, testca.ErrAlreadyRevoked):
			fmt.Fprintf(stdout, "%v certificate %X already revoked\n", tg.kind, cert.SerialNumber)
		case err != nil:
			return err
		default:
			fmt.Fprintf(stdout, "revoked %v certificate %X (reason %d)\n", tg.kind, cert.SerialNumber, *reason)
		}
	}
	return ca.Save(*caDir)
}

func vcardShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("show", "card.json", "Print a card's profile, certificates and PIN tries left (never the PINs)", stderr)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("vcard show: want exactly one card file")
	}
	f, err := vcard.ReadFile(pos[0])
	if err != nil {
		return err
	}
	atr := f.ATR
	if len(atr) == 0 {
		atr = vcard.DefaultATR
	}
	fmt.Fprintf(stdout, "profile:         %s\n", f.Profile)
	fmt.Fprintf(stdout, "ATR:             % X\n", []byte(atr))
	fmt.Fprintf(stdout, "filler:          %d\n", f.Filler)
	fmt.Fprintf(stdout, "extended length: %v\n", f.ExtendedLength)
	return printCards(stdout, f)
}

// printCards prints each key's certificate and counter. PINs are never
// printed (design.md rule 2).
func printCards(w io.Writer, f *vcard.File) error {
	if err := printKey(w, "auth", f.Auth.Certificate, f.Auth.TriesLeft, vcard.MaxAuthTries); err != nil {
		return err
	}
	if f.Sign == nil {
		fmt.Fprintln(w, "sign:            none")
		return nil
	}
	return printKey(w, "sign", f.Sign.Certificate, f.Sign.TriesLeft, vcard.MaxSignTries)
}

func printKey(w io.Writer, label string, der []byte, tries, max int) error {
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return err
	}
	state := ""
	if tries == 0 {
		state = " (blocked)"
	}
	fmt.Fprintf(w, "%s:\n", label)
	fmt.Fprintf(w, "  subject:       %s\n", cert.Subject)
	fmt.Fprintf(w, "  issuer:        %s\n", cert.Issuer)
	fmt.Fprintf(w, "  serial:        %X\n", cert.SerialNumber)
	fmt.Fprintf(w, "  valid:         %s – %s\n", cert.NotBefore.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "  tries left:    %d/%d%s\n", tries, max, state)
	return nil
}
