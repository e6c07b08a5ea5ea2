package main

// An in-process dev provider on a loopback port and a go-oidc relying party
// in front of it, for the tests of "open": the pattern of
// provider/app/e2e_test.go.

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inkan-id/inkan/provider/app/apptest"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/inkan-id/inkan/cardauth/vcard"
	"github.com/inkan-id/inkan/cardauth/vcard/testca"
	"github.com/inkan-id/inkan/provider/app"
	"github.com/inkan-id/inkan/provider/config"
)

// rpRedirect is where the provider sends the browser back; nothing listens
// there: the test's browser stops at the redirect and reads the code.
const rpRedirect = "http://127.0.0.1:9/cb"

const rpSecret = "rp-secret-for-tests-only-0123456789"

// provPIN is the auth PIN of the provider's cards: digits that appear in
// no port, time or id the commands print (checked as a whole number).
const provPIN = "8531"

// testProvider is a dev provider with one confidential relying party "rp"
// named "Test bank", and a clock that tests can move forward.
type testProvider struct {
	t      *testing.T
	app    *app.App
	issuer string
	skew   atomic.Int64 // added to the provider's clock, in nanoseconds
}

func startProvider(t *testing.T) *testProvider {
	t.Helper()
	// inkan-reader keeps its claim key in the user's config directory:
	// a private one per test (also for the binary, which inherits it).
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	p := &testProvider{t: t}
	no := false
	now := func() time.Time { return time.Now().Add(time.Duration(p.skew.Load())) }
	ap := apptest.Start(t, func(cfg *config.Config) {
		cfg.Clients = append(cfg.Clients, config.Client{
			ID: "rp", Name: "Test bank", Secret: rpSecret,
			RedirectURIs: []string{rpRedirect}, GrantTypes: []string{"authorization_code"},
			Scopes: []string{"openid", "verified_claims"}, RefreshRotation: &no,
		})
	}, app.Options{Now: now})
	p.app, p.issuer = ap.App, ap.Issuer
	return p
}

// cardFile issues a card under the provider's test CA, so the provider
// trusts it and its OCSP responder knows it.
func (p *testProvider) cardFile() *vcard.File {
	f, err := vcard.Issue(p.app.CA, vcard.Spec{AuthPIN: provPIN, SignPassword: testPassword,
		Holder: testca.Holder{Name: "鈴木\u3000一郎", Birthdate: "1970-07-07", Address: "大阪府大阪市北区中之島一丁目3番20号", Gender: "1"}}, time.Now())
	if err != nil {
		p.t.Fatal(err)
	}
	return f
}

// rpLogin is one login started by the relying party, paused at the
// provider's login page like a user's browser.
type rpLogin struct {
	p        *testProvider
	conf     oauth2.Config
	idv      *oidc.IDTokenVerifier
	browser  *http.Client
	state    string
	nonce    string
	verifier string
	id       string // auth request id
	// HTTPSLink and AppLink are the page's bridge link and its inkan://
	// form, as a browser would hand them to inkan-reader.
	HTTPSLink, AppLink string
}

// beginLogin starts the code flow with PKCE from a go-oidc relying party,
// follows the browser to the login page and reads its links.
func (p *testProvider) beginLogin(scopes ...string) *rpLogin {
	t := p.t
	t.Helper()
	ctx := context.Background()
	op, err := oidc.NewProvider(ctx, p.issuer)
	if err != nil {
		t.Fatal(err)
	}
	l := &rpLogin{p: p, state: randString(), nonce: randString(), verifier: oauth2.GenerateVerifier()}
	l.conf = oauth2.Config{ClientID: "rp", ClientSecret: rpSecret, Endpoint: op.Endpoint(),
		RedirectURL: rpRedirect, Scopes: append([]string{oidc.ScopeOpenID}, scopes...)}
	l.idv = op.Verifier(&oidc.Config{ClientID: "rp"})
	jar, _ := cookiejar.New(nil)
	l.browser = &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), rpRedirect) || req.URL.Path == "/login" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	var page []byte
	l.id, page = apptest.OpenLogin(t, l.browser, l.conf.AuthCodeURL(l.state, oauth2.S256ChallengeOption(l.verifier), oidc.Nonce(l.nonce)))
	l.AppLink = pageLink(t, page, "reader-link")
	l.HTTPSLink = pageLink(t, page, "bridge-link")
	if !strings.HasPrefix(l.AppLink, "inkan://tx?link=") || !strings.HasPrefix(l.HTTPSLink, p.issuer+"/bridge/v1/tx/") {
		t.Fatalf("login page links %q, %q", l.AppLink, l.HTTPSLink)
	}
	return l
}

// Secret is the link's fragment, which no output may contain.
func (l *rpLogin) Secret() string {
	_, s, _ := strings.Cut(l.HTTPSLink, "#")
	return s
}

func pageLink(t *testing.T, page []byte, id string) string {
	t.Helper()
	re := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `" href="([^"]+)"`)
	m := re.FindSubmatch(page)
	if m == nil {
		t.Fatalf("login page has no %s", id)
	}
	return html.UnescapeString(string(m[1]))
}

// done reports whether the provider considers the login complete.
func (l *rpLogin) done() bool {
	l.p.t.Helper()
	info, err := l.p.app.Server.LoginInfo(context.Background(), l.id)
	if err != nil {
		l.p.t.Fatal(err)
	}
	return info.Done
}

// finish does what the waiting page does once the card step is done:
// consent (first release to this client), the callback with the code;
// then the relying party redeems the code and verifies the ID token.
func (l *rpLogin) finish() *oidc.IDToken {
	t := l.p.t
	t.Helper()
	ctx := context.Background()
	info, err := l.p.app.Server.LoginInfo(ctx, l.id)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Done {
		t.Fatal("the login is not done after the card step")
	}
	next := info.CallbackURL
	if info.ConsentRequired {
		if next, err = l.p.app.Server.Consent(ctx, l.id, true); err != nil {
			t.Fatal(err)
		}
	}
	back := redirectTo(t, l.browser, next)
	q := back.Query()
	if q.Get("state") != l.state || q.Get("code") == "" {
		t.Fatalf("authorization response %s", back)
	}
	tok, err := l.conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(l.verifier))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := l.idv.Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Nonce string `json:"nonce"`
		ACR   string `json:"acr"`
	}
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if claims.Nonce != l.nonce || claims.ACR == "" || idt.Subject == "" {
		t.Fatalf("ID token claims %+v, sub %q", claims, idt.Subject)
	}
	return idt
}

// redirectTo follows one request and returns the Location it was sent to.
func redirectTo(t *testing.T, c *http.Client, target string) *url.URL {
	t.Helper()
	resp, err := c.Get(target)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("GET %s: %s, no redirect", target, resp.Status)
	}
	return loc
}

func randString() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
