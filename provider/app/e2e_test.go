package app_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inkan-id/inkan/provider/app/apptest"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/inkan-id/inkan/cardauth/vcard"
	"github.com/inkan-id/inkan/cardauth/vcard/testca"
	mobilebridge "github.com/inkan-id/inkan/mobile-bridge"
	"github.com/inkan-id/inkan/provider/app"
	"github.com/inkan-id/inkan/provider/config"
	"github.com/inkan-id/inkan/provider/store/redis/redistest"
)

// rpRedirect is where the provider sends the browser back; nothing listens
// there: the test's browser stops at the redirect and reads the code.
const rpRedirect = "http://127.0.0.1:9/cb"

const rpSecret = "rp-secret-for-tests-only-0123456789"

// env is a provider running on a loopback port in dev mode, with one
// confidential relying party "rp".
type env struct {
	t      *testing.T
	app    *app.App
	issuer string
}

func start(t *testing.T, mod func(*config.Config)) *env {
	t.Helper()
	no := false
	p := apptest.Start(t, func(cfg *config.Config) {
		cfg.Clients = append(cfg.Clients, config.Client{
			ID: "rp", Name: "Test bank", Secret: rpSecret,
			RedirectURIs: []string{rpRedirect}, PostLogoutRedirectURIs: []string{rpRedirect},
			GrantTypes:      []string{"authorization_code", "refresh_token"},
			RefreshRotation: &no,
		})
		if mod != nil {
			mod(cfg)
		}
	}, app.Options{})
	return &env{t: t, app: p.App, issuer: p.Issuer}
}

// browser is an HTTP client with cookies that stops at the relying party's
// redirect and at the login page, like a user's browser would pause there.
func browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), rpRedirect) || req.URL.Path == "/login" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

func randString(t *testing.T) string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// tapCard answers the login's card transaction with a virtual card the way
// `inkan vcard tap` does (mobilebridge.Run), consents where the login page
// would ask, and returns where the page sends the browser next.
func (e *env) tapCard(ctx context.Context, loginURL string, card *vcard.Card, pin string) string {
	t := e.t
	u, err := url.Parse(loginURL)
	if err != nil {
		t.Fatal(err)
	}
	id := u.Query().Get("id")
	info, err := e.app.Server.LoginInfo(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	// The phone answers the transaction the page shows: the request's
	// current one, which /authorize created with it.
	if info.Tx == nil {
		t.Fatal("the request has no card transaction")
	}
	if _, err := mobilebridge.Run(ctx, info.Tx.Link, card, pin, nil); err != nil {
		t.Fatal(err)
	}
	// The consent page's Allow button, on the first release to this client.
	if info, err = e.app.Server.LoginInfo(ctx, id); err != nil {
		t.Fatal(err)
	}
	if info.ConsentRequired {
		next, err := e.app.Server.Consent(ctx, id, true)
		if err != nil {
			t.Fatal(err)
		}
		return next
	}
	return info.CallbackURL
}

func (e *env) card() *vcard.Card {
	f, err := vcard.Issue(e.app.CA, vcard.Spec{AuthPIN: "1234", SignPassword: "ABC123",
		Holder: testca.Holder{Name: "鈴木　一郎", Birthdate: "1970-07-07", Address: "大阪府大阪市北区", Gender: "1"}}, time.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return vcard.New(f)
}

// openLogin starts an authorization request whose login needs the card
// and returns the login page's URL (/login?id=…).
func openLogin(t *testing.T, c *http.Client, target string) *url.URL {
	t.Helper()
	id, _ := apptest.OpenLogin(t, c, target)
	return &url.URL{Path: "/login", RawQuery: url.Values{"id": {id}}.Encode()}
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

// TestRelyingPartyFlow drives the provider with real relying-party
// libraries (go-oidc, x/oauth2) through discovery, the code flow with PKCE,
// the card step, token exchange, ID-token verification, userinfo, refresh,
// revocation and logout, once per store backend.
func TestRelyingPartyFlow(t *testing.T) {
	for _, backend := range []string{"bolt", "redis"} {
		t.Run(backend, func(t *testing.T) {
			var mod func(*config.Config)
			if backend == "redis" {
				r := redistest.New(t)
				mod = func(c *config.Config) {
					c.Store.Backend = config.BackendRedis
					c.Store.Redis.Addrs = []string{r.Addr()}
				}
			}
			rpFlow(t, start(t, mod))
		})
	}
}

func rpFlow(t *testing.T, e *env) {
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, e.issuer)
	if err != nil {
		t.Fatal(err)
	}
	conf := oauth2.Config{ClientID: "rp", ClientSecret: rpSecret, Endpoint: provider.Endpoint(),
		RedirectURL: rpRedirect, Scopes: []string{oidc.ScopeOpenID, oidc.ScopeOfflineAccess}}
	idv := provider.Verifier(&oidc.Config{ClientID: "rp"})

	b := browser()
	card := e.card()
	state, nonce, verifier := randString(t), randString(t), oauth2.GenerateVerifier()
	login := openLogin(t, b, conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)))
	back := redirectTo(t, b, e.tapCard(ctx, login.String(), card, "1234"))
	q := back.Query()
	if q.Get("state") != state || q.Get("iss") != e.issuer || q.Get("code") == "" {
		t.Fatalf("authorization response %s", back)
	}

	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := idv.Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Nonce    string   `json:"nonce"`
		ACR      string   `json:"acr"`
		AMR      []string `json:"amr"`
		AuthTime int64    `json:"auth_time"`
		SID      string   `json:"sid"`
	}
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if claims.Nonce != nonce || claims.ACR != "urn:inkan:acr:jpki-card" || !slices.Contains(claims.AMR, "hwk") ||
		claims.AuthTime == 0 || claims.SID == "" {
		t.Fatalf("ID token claims %+v", claims)
	}

	ui, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatal(err)
	}
	if ui.Subject != idt.Subject {
		t.Fatalf("userinfo sub %q, ID token sub %q", ui.Subject, idt.Subject)
	}

	// Refresh: a new access token for the same subject.
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token for offline_access")
	}
	fresh, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatal(err)
	}
	if fresh.AccessToken == "" || fresh.AccessToken == tok.AccessToken {
		t.Fatal("refresh gave no new access token")
	}

	// Revocation: the refreshed access token stops being active.
	if active := e.introspect(t, fresh.AccessToken); !active {
		t.Fatal("fresh access token not active before revocation")
	}
	e.post(t, "/revoke", url.Values{"token": {fresh.AccessToken}})
	if e.introspect(t, fresh.AccessToken) {
		t.Fatal("revoked access token still active")
	}

	// The session signs the user in again without a card tap…
	state2 := randString(t)
	again := redirectTo(t, b, conf.AuthCodeURL(state2, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce),
		oauth2.SetAuthURLParam("prompt", "none")))
	if again.Query().Get("code") == "" {
		t.Fatalf("prompt=none within the session: %s", again)
	}
	// …until RP-initiated logout ends it.
	out := redirectTo(t, b, e.issuer+"/end_session?"+url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {rpRedirect}}.Encode())
	if !strings.HasPrefix(out.String(), rpRedirect) {
		t.Fatalf("logout went to %s", out)
	}
	after := redirectTo(t, b, conf.AuthCodeURL(randString(t), oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce),
		oauth2.SetAuthURLParam("prompt", "none")))
	if after.Query().Get("error") != "login_required" {
		t.Fatalf("prompt=none after logout: %s", after)
	}
}

func (e *env) post(t *testing.T, path string, form url.Values) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.issuer+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("rp", rpSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %s", path, resp.Status)
	}
	return resp
}

func (e *env) introspect(t *testing.T, token string) bool {
	t.Helper()
	resp := e.post(t, "/introspect", url.Values{"token": {token}})
	defer resp.Body.Close()
	var out struct {
		Active bool `json:"active"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Active
}

// TestDevAutoTapThroughAuthorize: with the dev auto-tap, the login page
// that /authorize answers with completes the card step itself, so the
// browser goes straight on from /authorize to the client with a code (the
// client needs no consent).
func TestDevAutoTapThroughAuthorize(t *testing.T) {
	no := false
	p := apptest.Start(t, func(cfg *config.Config) {
		cfg.Clients = append(cfg.Clients, config.Client{
			ID: "rp", Name: "Test bank", Secret: rpSecret, RedirectURIs: []string{rpRedirect},
			GrantTypes: []string{"authorization_code"}, RefreshRotation: &no, ConsentRequired: &no,
		})
	}, app.Options{DevAutoTap: true})
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, p.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	conf := oauth2.Config{ClientID: "rp", ClientSecret: rpSecret, Endpoint: provider.Endpoint(),
		RedirectURL: rpRedirect, Scopes: []string{oidc.ScopeOpenID}}
	state, verifier := randString(t), oauth2.GenerateVerifier()
	back := redirectTo(t, browser(), conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(randString(t))))
	if !strings.HasPrefix(back.String(), rpRedirect) || back.Query().Get("state") != state || back.Query().Get("code") == "" {
		t.Fatalf("auto-tapped login ended at %s", back)
	}
	if _, err := conf.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(verifier)); err != nil {
		t.Fatal(err)
	}
}
