package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inkan-id/inkan/provider/app/apptest"

	"github.com/inkan-id/inkan/provider/app"
	"github.com/inkan-id/inkan/provider/config"
	"github.com/inkan-id/inkan/provider/store/redis/redistest"
)

const (
	testSecret   = "load-secret-for-tests-only-0123456789"
	testRedirect = "http://127.0.0.1:9/cb"
)

// provider is a dev provider served on a loopback port in this process,
// with the load client, and the address where its OCSP requests go (the
// tool's responder, which knows the cards the tool issues).
type provider struct {
	issuer, dataDir, ocspAddr string
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func startProvider(t *testing.T, redisAddr string) *provider {
	t.Helper()
	p := &provider{ocspAddr: freeAddr(t)}
	ap := apptest.Start(t, func(cfg *config.Config) {
		cfg.JPKI.Revocation.OCSP.URL = "http://" + p.ocspAddr + "/"
		if redisAddr != "" {
			cfg.Store.Backend = config.BackendRedis
			cfg.Store.Redis.Addrs = []string{redisAddr}
		}
		cfg.Clients = append(cfg.Clients, loadClient())
	}, app.Options{})
	p.issuer, p.dataDir = ap.Issuer, ap.Config.DataDir
	return p
}

func (p *provider) args(extra ...string) []string {
	return append([]string{
		"--issuer", p.issuer, "--data", p.dataDir, "--ocsp", p.ocspAddr,
		"--client-id", "load", "--client-secret", testSecret, "--redirect-uri", testRedirect,
		"--server-pid", strconv.Itoa(os.Getpid()), "--json", "--timeout", "20s",
	}, extra...)
}

// runJSON runs the tool and decodes its report.
func runJSON(t *testing.T, args []string) (*Report, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	var rep Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("exit %d, no JSON report: %v\nstdout: %s\nstderr: %s", code, err, out.String(), errOut.String())
	}
	return &rep, code
}

func stepCount(rep *Report, name string) int {
	for _, s := range rep.Steps {
		if strings.TrimSpace(s.Step) == name {
			return s.Count
		}
	}
	return -1
}

// TestLoad drives a handful of complete logins and one refresh loop
// against a provider in this process, on each store backend, and checks
// that every operation succeeded and was counted and measured.
func TestLoad(t *testing.T) {
	for _, backend := range []string{"bolt", "redis"} {
		t.Run(backend, func(t *testing.T) {
			var redisAddr string
			if backend == "redis" {
				redisAddr = redistest.New(t).Addr()
			}
			p := startProvider(t, redisAddr)
			var extra []string
			if redisAddr != "" {
				extra = []string{"--redis", redisAddr}
			}

			const logins = 6
			rep, code := runJSON(t, p.args(append(extra, "--cards", "2", "--concurrency", "3", "--logins", strconv.Itoa(logins), "--duration", "1m")...))
			if code != 0 || rep.Succeeded != logins || rep.Failed != 0 || rep.Attempted != logins {
				t.Fatalf("exit %d, %d of %d logins succeeded, failures %v", code, rep.Succeeded, rep.Attempted, rep.Failures)
			}
			for _, s := range []string{"authorize", "bridge", "card (local)", "callback", "token", "userinfo", "login total"} {
				if n := stepCount(rep, s); n != logins {
					t.Errorf("step %q timed %d times, want %d", s, n, logins)
				}
			}
			// /authorize answers with the login page: no second request.
			if n := stepCount(rep, "login page"); n > 0 {
				t.Errorf("step \"login page\" timed %d times, want none", n)
			}
			if rep.PerSecond <= 0 {
				t.Errorf("logins/s = %v", rep.PerSecond)
			}
			if s := rep.Server; s == nil || s.RSSIdleMiB <= 0 || s.RSSMaxMiB < max(s.RSSIdleMiB, s.RSSEndMiB) || s.CPUSeconds <= 0 {
				t.Errorf("server figures %+v", s)
			}
			if backend == "redis" {
				r := rep.Redis
				// A login stores an auth request, a transaction, a session,
				// a code and tokens: some tens of commands, each read by
				// Redis at most once per command.
				if r == nil || r.CommandsPerOp < 10 || r.ReadsPerOp < 5 || r.ReadsPerOp > r.CommandsPerOp {
					t.Fatalf("redis figures %+v", r)
				}
				var gets int64
				for _, c := range r.Calls {
					if c.Command == "info" {
						t.Error("the tool's own INFO is counted")
					}
					if c.Command == "get" {
						gets = c.Calls
					}
				}
				if gets < logins {
					t.Errorf("%d GETs for %d logins", gets, logins)
				}
			}

			const grants = 10
			rep, code = runJSON(t, p.args(append(extra, "--mode", "refresh", "--cards", "1", "--concurrency", "1", "--grants", strconv.Itoa(grants), "--duration", "1m")...))
			if code != 0 || rep.Setup == nil || rep.Setup.Succeeded != 1 || rep.Succeeded != grants || rep.Failed != 0 {
				t.Fatalf("refresh: exit %d, report %+v", code, rep)
			}
			if n := stepCount(rep, "refresh"); n != grants {
				t.Errorf("refresh timed %d times, want %d", n, grants)
			}
			if n := stepCount(rep, "login total"); n != -1 {
				t.Errorf("refresh mode reports the setup login as a step (%d)", n)
			}
			if backend == "redis" && (rep.Redis == nil || rep.Redis.ReadsPerOp < 1) {
				t.Errorf("refresh: redis figures %+v", rep.Redis)
			}

			// The probes: a bare request, and one with a store round trip.
			// Only the issuer is needed.
			const probes = 100
			for _, mode := range []string{"healthz", "readyz"} {
				rep, code = runJSON(t, append([]string{"--issuer", p.issuer, "--mode", mode, "--concurrency", "1", "--logins", strconv.Itoa(probes),
					"--server-pid", strconv.Itoa(os.Getpid()), "--json", "--duration", "1m", "--timeout", "20s"}, extra...))
				if code != 0 || rep.Succeeded != probes || rep.Failed != 0 || stepCount(rep, mode) != probes || rep.Server == nil {
					t.Fatalf("%s: exit %d, report %+v", mode, code, rep)
				}
				if backend != "redis" {
					continue
				}
				// Exactly one round trip for readyz and none for healthz;
				// the margin is for a new connection's set-up and for the
				// provider's own background reads during the run.
				lo, hi := 0.0, 0.5
				if mode == "readyz" {
					lo, hi = 1, 1.5
				}
				if r := rep.Redis; r == nil || r.ReadsPerOp < lo || r.ReadsPerOp >= hi {
					t.Errorf("%s: redis figures %+v, want [%v, %v) reads per request", mode, r, lo, hi)
				}
			}
		})
	}
}

// TestFailuresAreCounted: a wrong client secret fails every login at the
// token step, with the OAuth error code, and the exit code says so.
func TestFailuresAreCounted(t *testing.T) {
	p := startProvider(t, "")
	args := p.args("--cards", "1", "--concurrency", "1", "--logins", "2")
	for i, a := range args {
		if a == testSecret {
			args[i] = "wrong-secret"
		}
	}
	rep, code := runJSON(t, args)
	if code != 1 || rep.Succeeded != 0 || rep.Failed != 2 {
		t.Fatalf("exit %d, %d ok, %d failed", code, rep.Succeeded, rep.Failed)
	}
	if len(rep.Failures) != 1 || rep.Failures[0].Kind != "token: HTTP 401 invalid_client" || rep.Failures[0].Count != 2 {
		t.Errorf("failures %+v", rep.Failures)
	}
}

// TestOnlyLoopback: the tool refuses to load anything off this machine.
func TestOnlyLoopback(t *testing.T) {
	for _, args := range [][]string{
		{"--issuer", "https://id.example.jp"},
		{"--issuer", "http://10.0.0.1:8080"},
		{"--issuer", "http://127.0.0.1:8080", "--redis", "redis.example:6379"},
		{"--issuer", "http://127.0.0.1:8080", "--ocsp", "0.0.0.0:9000"},
	} {
		base := []string{"--data", t.TempDir(), "--client-id", "c", "--client-secret", "s", "--redirect-uri", testRedirect}
		var errOut bytes.Buffer
		if code := run(context.Background(), append(base, args...), io.Discard, &errOut); code != 2 || !strings.Contains(errOut.String(), "loopback") {
			t.Errorf("%v: exit %d, %q", args, code, errOut.String())
		}
	}
	// Nor will its dialer connect elsewhere, whatever a discovery
	// document or redirect says.
	c := browserClient(newTransport(1), 2*time.Second)
	if _, err := c.Get("http://192.0.2.1:80/"); err == nil || !strings.Contains(err.Error(), "non-loopback") {
		t.Errorf("dial to 192.0.2.1: %v", err)
	}
}

// TestParseLoginPage reads the link and data-next the way the page writes
// them, and refuses a page without either, or with a data-next that the
// page's script would not follow either (another origin, not a URL).
func TestParseLoginPage(t *testing.T) {
	const link = `<p class="link"><a id="bridge-link" href="http://127.0.0.1:1/bridge/v1/tx/AAECAwQFBgcICQoLDA0ODw#s&amp;x">x</a></p>`
	data := func(next string) string {
		return `<div class="qr"><svg role="img"></svg></div>
<div id="login-data" hidden data-events="/bridge/v1/tx/AAECAwQFBgcICQoLDA0ODw/events" ` + next + ` data-expires="1"
 data-msg-done="完了 &gt; 次へ" data-msg-left="{t} left"></div>`
	}
	base, _ := url.Parse("http://127.0.0.1:1/login?id=x")
	tests := []struct {
		name, page string
		next       string // the URL read, or
		err        error  // the error
	}{
		{"callback", link + data(`data-next="http://127.0.0.1:1/authorize/callback?id=ar%2B1&amp;x=1"`), "http://127.0.0.1:1/authorize/callback?id=ar%2B1&x=1", nil},
		{"consent by path", link + data(`data-next="/login/consent?id=ar%2B1&amp;lang=en"`), "http://127.0.0.1:1/login/consent?id=ar%2B1&lang=en", nil},
		{"no data-next", link + data(``), "", errNoNext},
		{"empty data-next", link + data(`data-next=""`), "", errNoNext},
		{"data-next elsewhere", link + `<div id="other" data-next="/authorize/callback?id=1"></div>`, "", errNoNext},
		{"no login-data", link + `<form id="continue" method="post" action="/login/continue"></form>`, "", errNoNext},
		{"another origin", link + data(`data-next="http://127.0.0.1:2/authorize/callback?id=1"`), "", errBadNext},
		{"another scheme", link + data(`data-next="https://127.0.0.1:1/authorize/callback?id=1"`), "", errBadNext},
		{"not a URL", link + data(`data-next="http://127.0.0.1:1/%zz"`), "", errBadNext},
		{"no link", `<a id="other" href="x">` + data(`data-next="/authorize/callback?id=1"`), "", errNoBridgeLink},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parseLoginPage([]byte(tt.page), base)
			if err != tt.err {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if p.BridgeLink != "http://127.0.0.1:1/bridge/v1/tx/AAECAwQFBgcICQoLDA0ODw#s&x" || p.Next.String() != tt.next {
				t.Errorf("link %q, next %q, want %q", p.BridgeLink, p.Next, tt.next)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    int
		want time.Duration
	}{{50, 50 * time.Millisecond}, {90, 90 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}} {
		if got := percentile(d, c.p); got != c.want {
			t.Errorf("p%d = %v, want %v", c.p, got, c.want)
		}
	}
	if got := percentile(d[:1], 99); got != time.Millisecond {
		t.Errorf("p99 of one = %v", got)
	}
}

// loadClient is the confidential client the tool logs in with.
func loadClient() config.Client {
	no := false
	return config.Client{
		ID: "load", Name: "Load test", Secret: testSecret,
		RedirectURIs:    []string{testRedirect},
		GrantTypes:      []string{"authorization_code", "refresh_token"},
		Scopes:          []string{"openid", "offline_access"},
		ConsentRequired: &no,
	}
}
