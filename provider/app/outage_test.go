package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/inkan-id/inkan/provider/app/apptest"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/inkan-id/inkan/provider/config"
	"github.com/inkan-id/inkan/provider/store/redis/redistest"
)

// login runs one complete card login for the "rp" client and returns its
// tokens.
func (e *env) login(t *testing.T) (*oauth2.Config, *oauth2.Token) {
	t.Helper()
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, e.issuer)
	if err != nil {
		t.Fatal(err)
	}
	conf := &oauth2.Config{ClientID: "rp", ClientSecret: rpSecret, Endpoint: provider.Endpoint(),
		RedirectURL: rpRedirect, Scopes: []string{oidc.ScopeOpenID, oidc.ScopeOfflineAccess}}
	b := browser()
	verifier := oauth2.GenerateVerifier()
	login := openLogin(t, b, conf.AuthCodeURL(randString(t), oauth2.S256ChallengeOption(verifier), oidc.Nonce(randString(t))))
	back := redirectTo(t, b, e.tapCard(ctx, login.String(), e.card(), "1234"))
	tok, err := conf.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	return conf, tok
}

// status GETs path and returns the HTTP status and the OAuth error code.
func (e *env) status(t *testing.T, path string) (int, string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(e.issuer + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var oe struct {
		Error string `json:"error"`
	}
	json.Unmarshal(body, &oe)
	return resp.StatusCode, oe.Error
}

// TestRedisOutage stops Redis under a running provider: endpoints that need
// the store answer 503 with a clear error, nothing is half-written, and the
// provider recovers when Redis is back on the same address.
func TestRedisOutage(t *testing.T) {
	r := redistest.New(t)
	e := start(t, func(c *config.Config) {
		c.Store.Backend = config.BackendRedis
		c.Store.Redis.Addrs = []string{r.Addr()}
	})
	conf, tok := e.login(t)

	r.Kill()
	if code, _ := e.status(t, "/readyz"); code != http.StatusServiceUnavailable {
		t.Fatalf("readyz during the outage: %d", code)
	}
	if code, _ := e.status(t, "/healthz"); code != http.StatusOK {
		t.Fatalf("healthz during the outage: %d (the process is up)", code)
	}
	authorize := "/authorize?" + url.Values{"client_id": {"rp"}, "redirect_uri": {rpRedirect}, "response_type": {"code"},
		"scope": {"openid"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}.Encode()
	if code, _ := e.status(t, authorize); code != http.StatusServiceUnavailable {
		t.Fatalf("authorize during the outage: %d", code)
	}
	_, err := conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response.StatusCode != http.StatusServiceUnavailable || re.ErrorCode != "temporarily_unavailable" {
		t.Fatalf("refresh during the outage: %v", err)
	}

	if err := r.Start(); err != nil { // same port, empty Redis: the outage lost its data
		t.Fatal(err)
	}
	if code, _ := e.status(t, "/readyz"); code != http.StatusOK {
		t.Fatalf("readyz after recovery: %d", code)
	}
	// A fresh login works again end to end.
	e.login(t)
}

// TestBoltRestart closes the provider and opens a new one on the same data
// folder: the account, the refresh token and the signing keys survive.
func TestBoltRestart(t *testing.T) {
	dir := t.TempDir()
	first := start(t, func(c *config.Config) { apptest.SetDataDir(c, dir) })
	conf, tok := first.login(t)
	first.app.Close()

	second := start(t, func(c *config.Config) { apptest.SetDataDir(c, dir) })
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, second.issuer)
	if err != nil {
		t.Fatal(err)
	}
	conf.Endpoint = provider.Endpoint()
	fresh, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh after restart: %v", err)
	}
	// The new ID token is signed with the key set kept in the store.
	raw, _ := fresh.Extra("id_token").(string)
	if raw == "" {
		t.Fatal("no ID token on refresh")
	}
	if _, err := provider.Verifier(&oidc.Config{ClientID: "rp", SkipIssuerCheck: true}).Verify(ctx, raw); err != nil {
		t.Fatalf("ID token after restart: %v", err)
	}
}
