// Command inkan-load drives complete card logins against a running Inkan
// provider on this machine and reports latency per step, throughput, and
// what the provider (and its Redis) spent per login.
//
// A login is what a browser, a phone and a relying party do together:
// authorize (PKCE S256, state, nonce) → login page → the card transaction
// answered by a virtual card through mobilebridge (the same agent code a
// phone runs) → callback (the login page's data-next, where its script
// goes) → token (client_secret_basic) → userinfo. The card's RSA signature is computed in this process, so the
// provider's CPU per login, read from /proc, excludes it.
//
// The healthz and readyz modes send bare GET /healthz or /readyz instead:
// what the provider spends on any request, and on one store round trip.
//
// Every request goes to a loopback address; the dialer refuses anything
// else. Every loop stops by itself at --logins (or --grants) or --duration.
// See docs/load.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Bounds on the flags: this is a tool for one machine, and a typo must
// not turn into an hour of load or a million goroutines.
const (
	maxCards       = 4096
	maxConcurrency = 1024
	maxOps         = 10_000_000
	maxDuration    = time.Hour
	maxTimeout     = time.Minute
)

// Modes.
const (
	modeLogin   = "login"
	modeRefresh = "refresh"
)

// options are the parsed command line.
type options struct {
	issuer       string
	dataDir      string
	clientID     string
	clientSecret string
	redirectURI  string
	scope        string
	cards        int
	logins       int
	grants       int
	duration     time.Duration
	concurrency  int
	mode         string
	serverPID    int
	redisAddr    string
	ocspAddr     string
	timeout      time.Duration
	json         bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole command; it returns the exit code: 0 when every
// operation succeeded, 1 on failures or errors, 2 for a bad command line.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opt, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "inkan-load:", err)
		return 2
	}
	rep, err := runLoad(ctx, opt, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "inkan-load:", err)
		return 1
	}
	if opt.json {
		err = rep.writeJSON(stdout)
	} else {
		err = rep.writeTable(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "inkan-load:", err)
		return 1
	}
	if rep.Failed > 0 {
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("inkan-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: inkan-load --issuer http://127.0.0.1:PORT --data DIR --client-id ID --client-secret S --redirect-uri URI [options]")
		fmt.Fprintln(stderr, "       inkan-load --issuer http://127.0.0.1:PORT --mode healthz|readyz [options]")
		fmt.Fprintln(stderr, "\nDrives complete card logins (or refresh grants) against a running dev provider on loopback.\n\noptions:")
		fs.PrintDefaults()
	}
	o := &options{}
	fs.StringVar(&o.issuer, "issuer", "", "issuer URL of the running provider; loopback only (required)")
	fs.StringVar(&o.dataDir, "data", "", "the provider's data_dir: virtual cards are issued from its test CA in DIR/testca (required)")
	fs.StringVar(&o.clientID, "client-id", "", "a confidential client of the provider with consent_required: false (required)")
	fs.StringVar(&o.clientSecret, "client-secret", "", "its secret, sent with client_secret_basic (required)")
	fs.StringVar(&o.redirectURI, "redirect-uri", "", "its registered redirect URI; never contacted (required)")
	fs.StringVar(&o.scope, "scope", "openid offline_access", "scopes to request")
	fs.IntVar(&o.cards, "cards", 8, "virtual cards issued in memory before the run (each costs an RSA-2048 key generation)")
	fs.IntVar(&o.logins, "logins", 1000, "login, healthz and readyz modes: stop after this many logins or requests")
	fs.IntVar(&o.grants, "grants", 1_000_000, "refresh mode: stop after this many refresh grants")
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "stop starting new operations after this long")
	fs.IntVar(&o.concurrency, "concurrency", 8, "virtual users working at once")
	fs.StringVar(&o.mode, "mode", modeLogin, "login: complete logins; refresh: one login per virtual user, then refresh_token grants; healthz, readyz: GET that path (the provider's cost of a bare request, and of one more store round trip)")
	fs.IntVar(&o.serverPID, "server-pid", 0, "the provider's process id: its CPU time and RSS are read from /proc before, during and after the run")
	fs.StringVar(&o.redisAddr, "redis", "", "the provider's Redis (host:port, loopback): INFO before and after gives commands per operation")
	fs.StringVar(&o.ocspAddr, "ocsp", "", "serve OCSP for the issued cards on this loopback address; the provider's jpki.revocation.ocsp.url must point here (see docs/load.md)")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "limit of one HTTP request")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() != 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return o, o.validate()
}

// validate reports every problem of the command line at once.
func (o *options) validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if err := checkIssuer(o.issuer); err != nil {
		bad("--issuer: %v", err)
	}
	if !probeMode(o.mode) {
		if o.dataDir == "" {
			bad("--data: required (the provider's data_dir, holding testca/)")
		}
		if o.clientID == "" || o.clientSecret == "" {
			bad("--client-id and --client-secret: required")
		}
		if u, err := url.Parse(o.redirectURI); o.redirectURI == "" || err != nil || !u.IsAbs() || u.Fragment != "" {
			bad("--redirect-uri: an absolute URL without fragment is required")
		}
	}
	if !hasScope(o.scope, "openid") {
		bad("--scope: must include openid")
	}
	if o.cards < 1 || o.cards > maxCards {
		bad("--cards: 1–%d", maxCards)
	}
	if o.concurrency < 1 || o.concurrency > maxConcurrency {
		bad("--concurrency: 1–%d", maxConcurrency)
	}
	if o.logins < 1 || o.logins > maxOps {
		bad("--logins: 1–%d", maxOps)
	}
	if o.grants < 1 || o.grants > maxOps {
		bad("--grants: 1–%d", maxOps)
	}
	if o.duration <= 0 || o.duration > maxDuration {
		bad("--duration: more than 0, at most %s", maxDuration)
	}
	if o.timeout <= 0 || o.timeout > maxTimeout {
		bad("--timeout: more than 0, at most %s", maxTimeout)
	}
	switch o.mode {
	case modeLogin, modeHealthz, modeReadyz:
	case modeRefresh:
		if !hasScope(o.scope, "offline_access") {
			bad("--mode refresh: --scope must include offline_access")
		}
	default:
		bad("--mode: login, refresh, healthz or readyz, not %q", o.mode)
	}
	if o.serverPID < 0 {
		bad("--server-pid: a process id")
	}
	if o.redisAddr != "" {
		if err := checkLoopbackAddr(o.redisAddr); err != nil {
			bad("--redis: %v", err)
		}
	}
	if o.ocspAddr != "" {
		if err := checkLoopbackAddr(o.ocspAddr); err != nil {
			bad("--ocsp: %v", err)
		}
	}
	return errors.Join(errs...)
}

// checkIssuer accepts http(s) URLs whose host is a loopback IP address or
// "localhost".
func checkIssuer(s string) error {
	if s == "" {
		return errors.New("required")
	}
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("scheme %q: want http or https", u.Scheme)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return errors.New("no user info, query or fragment")
	}
	if !loopbackHost(u.Hostname()) {
		return fmt.Errorf("host %q is not a loopback address: this tool only loads a provider on this machine", u.Hostname())
	}
	return nil
}

// checkLoopbackAddr accepts host:port with a loopback host.
func checkLoopbackAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if port == "" {
		return errors.New("no port")
	}
	if !loopbackHost(host) {
		return fmt.Errorf("host %q is not a loopback address", host)
	}
	return nil
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
