package demo

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/inkan-id/inkan/cardauth/revocation"
	"github.com/inkan-id/inkan/cardauth/vcard/testca"
	"github.com/inkan-id/inkan/cardauth/verify"
	"github.com/inkan-id/inkan/internal/syncbuf"
	"github.com/inkan-id/inkan/provider/bridge"
	"github.com/inkan-id/inkan/provider/clients"
	"github.com/inkan-id/inkan/provider/config"
	"github.com/inkan-id/inkan/provider/keys"
	"github.com/inkan-id/inkan/provider/login"
	"github.com/inkan-id/inkan/provider/server"
	"github.com/inkan-id/inkan/provider/store/bolt"
)

// provider is the whole dev server in one process: the OIDC core on a bolt
// store, the bridge with a verifier trusting the test CA, the login pages,
// the virtual phone and the demo RP, wired the way `inkan serve --dev`
// wires them.
type provider struct {
	t      *testing.T
	ts     *httptest.Server
	issuer string
	logs   *syncbuf.Buffer
}

func newProvider(t *testing.T) *provider {
	t.Helper()
	dir := t.TempDir()
	logs := &syncbuf.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	db, err := bolt.Open(filepath.Join(dir, "inkan.db"), &bolt.Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ts := httptest.NewUnstartedServer(nil)
	issuer := "http://" + ts.Listener.Addr().String()
	master := make([]byte, 32)
	km, err := keys.New(db, master, keys.Options{PublishDelay: keys.NoDelay})
	if err != nil {
		t.Fatal(err)
	}
	if err := km.EnsureKeys(context.Background()); err != nil {
		t.Fatal(err)
	}
	cs, err := clients.FromConfig([]config.Client{{
		ID: "demo", Name: "デモ銀行", Secret: "demo-secret",
		RedirectURIs: []string{issuer + "/demo/callback"}, PostLogoutRedirectURIs: []string{issuer + "/demo"},
		Scopes: []string{"openid", "verified_claims"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{Issuer: issuer, Backend: db, Clients: clients.New(db, cs), Keys: km,
		MasterKey: master, Dev: true, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	phone, err := NewPhone(PhoneConfig{Issuer: issuer, CardPath: filepath.Join(dir, "dev-card.json"),
		CADir: filepath.Join(dir, "testca"), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	ca, err := testca.Load(filepath.Join(dir, "testca"))
	if err != nil {
		t.Fatal(err)
	}
	roots := verify.NewRoots(verify.Test)
	for _, k := range []testca.Kind{testca.Auth, testca.Sign} {
		if err := roots.AddTestRoot(ca.Root(k)); err != nil {
			t.Fatal(err)
		}
	}
	v, err := verify.New(verify.Config{Roots: roots, Revocation: revocation.NewStatic(revocation.Good)})
	if err != nil {
		t.Fatal(err)
	}
	br, err := bridge.New(bridge.Config{Backend: db, Verifier: v, Issuer: issuer, Completer: srv, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	srv.UseTransactions(br) // as provider/app does: the login pages need it
	lh, err := login.New(login.Config{Server: srv, Bridge: br, Dev: true, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	rp, err := NewRP(RPConfig{Issuer: issuer, ClientID: "demo", ClientSecret: "demo-secret",
		RedirectURL: issuer + "/demo/callback", Log: log})
	if err != nil {
		t.Fatal(err)
	}
	srv.Mount("/login", lh.Routes())
	srv.Mount("/bridge", br.Handler())
	srv.Mount(PathPhone, phone.Routes())
	srv.Mount("/demo", rp.Routes())
	ts.Config.Handler = srv.Handler()
	ts.Start()
	t.Cleanup(ts.Close)
	return &provider{t: t, ts: ts, issuer: issuer, logs: logs}
}

// browser is a plain HTTP user agent with a cookie jar; it follows
// redirects itself so that each hop is visible.
type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// visit sends one request and follows redirects with GET; it returns the
// final URL and body.
func (b *browser) visit(method, target string, form url.Values) (string, string) {
	b.t.Helper()
	for range 10 {
		resp := do(b.t, b.c, method, target, form)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 3 {
			if resp.StatusCode != http.StatusOK {
				b.t.Fatalf("%s %s: %d\n%s", method, target, resp.StatusCode, body)
			}
			return target, string(body)
		}
		next, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
		if err != nil {
			b.t.Fatal(err)
		}
		method, target, form = http.MethodGet, next.String(), nil
	}
	b.t.Fatal("redirect loop")
	return "", ""
}

// cardStep answers the login page's transaction on the virtual phone and
// presses Continue, returning where that lands.
func (b *browser) cardStep(p *provider, loginPage, pin string) (string, string) {
	b.t.Helper()
	m := bridgeLinkRE.FindStringSubmatch(loginPage)
	if m == nil {
		b.t.Fatalf("no bridge link on\n%s", loginPage)
	}
	link := htmlUnescape(m[1])
	cont := formOf(loginPage, `<form id="continue"`)
	_, phone := b.visit(http.MethodGet, p.issuer+"/dev/phone?link="+url.QueryEscape(link), nil)
	tap := formOf(phone, `<form method="post"`)
	tap.Set("link", link)
	tap.Set("pin", pin)
	if _, res := b.visit(http.MethodPost, p.issuer+"/dev/phone", tap); !strings.Contains(res, `data-outcome="done"`) {
		b.t.Fatalf("tap:\n%s", res)
	}
	return b.visit(http.MethodPost, p.issuer+"/login/continue", cont)
}

var subRowRE = regexp.MustCompile(`<th scope="row">sub</th><td>([^<]+)</td>`)

// TestDevServerLogin: the demo RP signs in through /authorize, the login
// page, the virtual phone and the callback, and shows the claims; then
// signs out at the provider and lands back on /demo.
func TestDevServerLogin(t *testing.T) {
	p := newProvider(t)
	b := newBrowser(t)
	_, home := b.visit(http.MethodGet, p.issuer+"/demo", nil)
	if !strings.Contains(home, "Sign in with My Number Card") {
		t.Fatal("no sign-in button on /demo")
	}
	at, page := b.visit(http.MethodGet, p.issuer+"/demo/login", nil)
	if !strings.HasPrefix(at, p.issuer+"/login?id=") || !strings.Contains(page, "デモ銀行") {
		t.Fatalf("landed on %s", at)
	}
	at, claims := b.cardStep(p, page, DefaultAuthPIN)
	if strings.HasPrefix(at, p.issuer+"/login/consent?") {
		// A first login asks for consent (the client's default).
		if !strings.Contains(claims, "このサービス専用の識別子") {
			t.Error("consent page does not explain openid")
		}
		form := formOf(claims, `<form id="consent"`)
		form.Set("decision", "allow")
		at, claims = b.visit(http.MethodPost, p.issuer+"/login/consent", form)
	}
	if !strings.HasPrefix(at, p.issuer+"/demo/callback?") || !strings.Contains(claims, "Signed in") {
		t.Fatalf("landed on %s:\n%s", at, claims)
	}
	for _, want := range []string{`<th scope="row">amr</th><td>hwk, mfa, pin, sc</td>`, `<th scope="row">acr</th>`, `id="raw-userinfo"`} {
		if !strings.Contains(claims, want) {
			t.Errorf("claims page lacks %s", want)
		}
	}
	if m := subRowRE.FindAllStringSubmatch(claims, -1); len(m) != 2 || m[0][1] != m[1][1] {
		t.Errorf("sub in ID token and userinfo: %v", m)
	}

	// Sign out: end_session with the hint, back to /demo.
	at, _ = b.visit(http.MethodPost, p.issuer+"/demo/logout", formOf(claims, `<form method="post"`))
	if at != p.issuer+"/demo" {
		t.Errorf("after sign-out at %s", at)
	}
	for _, secret := range []string{"pin=", "#"} {
		if strings.Contains(p.logs.String(), secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
}

// TestDevServerEKYC: verified_claims needs the signature certificate and
// consent; the claims reach the RP's userinfo.
func TestDevServerEKYC(t *testing.T) {
	p := newProvider(t)
	b := newBrowser(t)
	_, page := b.visit(http.MethodGet, p.issuer+"/demo/login?ekyc=1", nil)
	if !strings.Contains(page, "署名用電子証明書") {
		t.Fatal("login page does not ask for the signature certificate")
	}
	at, consent := b.cardStep(p, page, DefaultSignPassword)
	if !strings.HasPrefix(at, p.issuer+"/login/consent?") || !strings.Contains(consent, "氏名・住所・生年月日・性別") {
		t.Fatalf("landed on %s:\n%s", at, consent)
	}
	form := formOf(consent, `<form id="consent"`)
	form.Set("decision", "allow")
	at, claims := b.visit(http.MethodPost, p.issuer+"/login/consent", form)
	if !strings.HasPrefix(at, p.issuer+"/demo/callback?") {
		t.Fatalf("landed on %s", at)
	}
	if !strings.Contains(claims, "山田") || !strings.Contains(claims, "verified_claims.") {
		t.Errorf("no verified claims on the claims page:\n%s", claims)
	}
}

// TestDevServerDeny: Deny on the consent page sends access_denied to the
// RP, which says so.
func TestDevServerDeny(t *testing.T) {
	p := newProvider(t)
	b := newBrowser(t)
	_, page := b.visit(http.MethodGet, p.issuer+"/demo/login?ekyc=1", nil)
	_, consent := b.cardStep(p, page, DefaultSignPassword)
	form := formOf(consent, `<form id="consent"`)
	form.Set("decision", "deny")
	_, home := b.visit(http.MethodPost, p.issuer+"/login/consent", form)
	if !strings.Contains(home, "did not agree") {
		t.Errorf("deny not reported:\n%s", home)
	}
}
