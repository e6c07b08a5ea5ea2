// Package apptest runs a dev-mode provider in-process for tests: the whole
// app on a loopback port, its data in the test's temp folder.
package apptest

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/inkan-id/inkan/provider/app"
	"github.com/inkan-id/inkan/provider/config"
)

// Provider is a running dev provider.
type Provider struct {
	App    *app.App
	Config *config.Config
	Issuer string
}

// Start runs a dev provider on 127.0.0.1 with the defaults of
// config.Default(true), its data in a fresh temp folder, changed by mod (may
// be nil; it may also set DataDir and the paths below it). Logs are dropped
// unless opt.Log is set. The provider stops when the test ends.
func Start(t testing.TB, mod func(*config.Config), opt app.Options) *Provider {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default(true)
	SetDataDir(cfg, t.TempDir())
	cfg.Addr = ln.Addr().String()
	cfg.Issuer = "http://" + cfg.Addr
	if mod != nil {
		mod(cfg)
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	a, err := app.New(context.Background(), cfg, opt)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(a.Handler())
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(func() { srv.Close(); a.Close() })
	return &Provider{App: a, Config: cfg, Issuer: cfg.Issuer}
}

// SetDataDir points the data folder, the bolt file and the master key at dir.
func SetDataDir(c *config.Config, dir string) {
	c.DataDir = dir
	c.Store.Bolt.Path = filepath.Join(dir, "inkan.db")
	c.MasterKeyFile = filepath.Join(dir, "master.key")
}

// loginIDRE finds the auth request id in a login page's forms.
var loginIDRE = regexp.MustCompile(`<input type="hidden" name="id" value="([^"]+)">`)

// OpenLogin starts an authorization request with c (a browser with
// cookies) at authURL, one that needs a card login, and returns the auth
// request id and the login page: /authorize answers with the page itself,
// at its own URL, and the page's forms name the request.
func OpenLogin(t testing.TB, c *http.Client, authURL string) (string, []byte) {
	t.Helper()
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	m := loginIDRE.FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/authorize" || m == nil {
		t.Fatalf("GET %s: %s at %s, want the login page", authURL, resp.Status, resp.Request.URL.Path)
	}
	return html.UnescapeString(string(m[1])), page
}
