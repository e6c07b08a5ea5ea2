// Command inkan-reader is Inkan's desktop agent: it talks to a My Number
// Card in a PC/SC reader to list readers, show PIN counters, export the
// certificates and sign a login challenge with the authentication key,
// and it answers a login's bridge link (open), also as the registered
// handler of inkan:// links (install-handler; docs/desktop-agent.md).
//
// The PIN is read from the terminal without echo (or from the first line
// of stdin with --pin-stdin); it is never printed, logged or retried.
// Run "inkan-reader -h" for commands and exit codes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/inkan-id/inkan/cardauth"
	"github.com/inkan-id/inkan/cardauth/pcsc"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], systemEnv())
	stop()
	os.Exit(code)
}

// conn is an open card: the transceiver the commands drive.
type conn interface {
	cardauth.Transceiver
	Close() error
}

// env is everything a command touches outside itself, so tests can run
// commands in-process against the virtual card or through pcscd.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// open connects to the card in the reader named (or matched) by
	// reader; "" picks the one reader holding a card. wait > 0 waits that
	// long for a card to be inserted.
	open func(ctx context.Context, reader string, wait time.Duration) (conn, error)
	// readers lists readers and whether they hold a card.
	readers func(ctx context.Context) ([]pcsc.Reader, error)
	// askPIN reads a secret from the terminal without echo, prompting on
	// stderr. Nil when there is no terminal.
	askPIN func(prompt string) (string, error)
}

func systemEnv() *env {
	return &env{
		stdin:  os.Stdin,
		stdout: os.Stdout,
		stderr: os.Stderr,
		open: func(ctx context.Context, reader string, wait time.Duration) (conn, error) {
			return pcsc.Open(ctx, pcsc.Options{Reader: reader, Wait: wait})
		},
		readers: pcsc.List,
		askPIN:  terminalPIN(os.Stdin, os.Stderr),
	}
}

const usage = `usage: inkan-reader <command> [flags]

Commands:
  readers                      list PC/SC readers; "card" marks those holding a card
  status  [--reader NAME]      token type and tries left for the auth PIN and the
                               sign password (reads the counters, spends no try)
  cert    --auth|--sign [--reader NAME] [-o FILE] [--pin-stdin]
                               write the certificate as PEM; --sign asks for the
                               signature password
  sign    --auth [--reader NAME] [--pin-stdin] [--confirm-last-try]
          (--data STRING | --data-file PATH) [--cert-file PEM]
                               sign the data with the authentication key after the
                               PIN and print {"certificate","signature","apdus"}
                               as JSON (base64); --cert-file skips reading the
                               certificate from the card
  open    BRIDGE-LINK [--reader NAME] [--pin-stdin] [--confirm-last-try] [--yes]
                               answer a login's bridge link (https://… or
                               inkan://tx?link=…) with the card in this PC's
                               reader: shows who asks and for what, asks y/N
                               (unless --yes), then the PIN
  install-handler [--dry-run]  make inkan-reader open inkan:// links (Linux:
                               a desktop entry plus xdg-mime)

Every card command also takes --wait DURATION (wait for a card to be inserted).
Run "inkan-reader <command> -h" for its flags.

The PIN is read from the terminal without echo, or with --pin-stdin from the
first line of standard input. It is never shown, logged or retried.
When one try is left, the PIN is sent only with --confirm-last-try (open
also accepts YES typed at its question). With open --pin-stdin, answers to
open's questions come first on standard input, one per line, then the PIN.
The secret part of a bridge link (after #) is never shown.

Exit codes:
  0  success
  1  other error
  2  usage error
  3  no card: pcscd not running, no reader, no card, or reader name not found
  4  wrong PIN or password; the message says how many tries are left
  5  PIN or password blocked; reset it at your municipal office
  6  one try left and --confirm-last-try not given; nothing was sent
  7  PIN or password malformed; refused before it reached the card
  8  card removed or reset during the command; nothing was signed, try again
  9  the card refused: not a My Number Card, or no signature certificate
 10  open: the website will not take this request any more: it expired, was
     already used, was opened on another device, failed too often, or the
     link is wrong; start again from the website
 11  open: the website refused the card's answer, or the link leads to a
     site that is not the one it names; the message says why (certificate
     expired or revoked, clock wrong, ...)
 12  open: network failure, or the website cannot serve now; try again
 13  open: you answered no; nothing was sent to the card or the website
`

// run executes one command line and returns the exit code.
func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return exitUsage
	}
	cmds := map[string]func(context.Context, []string, *env) int{
		"readers": cmdReaders,
		"status":  cmdStatus,
		"cert":    cmdCert,
		"sign":    cmdSign,
		"open":    cmdOpen,

		"install-handler": cmdInstallHandler,
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stdout, usage)
		return exitOK
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "inkan-reader: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	return cmd(ctx, args[1:], e)
}

// newFlags returns a FlagSet that reports to stderr and does not exit.
func newFlags(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: inkan-reader %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
		fmt.Fprint(e.stderr, "\nExit codes: see inkan-reader -h\n")
	}
	return fs
}

// parse parses args; done is true with the exit code when the command
// must stop (help asked, or bad flags).
func parse(fs *flag.FlagSet, args []string) (code int, done bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK, true
	case err != nil:
		return exitUsage, true
	case fs.NArg() > 0:
		fmt.Fprintf(fs.Output(), "inkan-reader %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return exitUsage, true
	}
	return 0, false
}

// cardFlags are the flags of every command that talks to a card.
type cardFlags struct {
	reader string
	wait   time.Duration
}

func (c *cardFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.reader, "reader", "", "reader `NAME`, or a part of it; default: the one reader holding a card")
	fs.DurationVar(&c.wait, "wait", 0, "wait up to `DURATION` for a card to be inserted")
}

func (c *cardFlags) open(ctx context.Context, e *env) (conn, error) {
	return e.open(ctx, c.reader, c.wait)
}
