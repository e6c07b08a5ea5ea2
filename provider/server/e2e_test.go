package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// TestEndToEnd drives the provider with real relying-party libraries:
// coreos/go-oidc for discovery and ID token verification, x/oauth2 for the
// code flow with PKCE, refresh and the userinfo call. The card tap itself
// is stood in for by CompleteCardLogin with a test CA certificate.
func TestEndToEnd(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()

	provider, err := oidc.NewProvider(ctx, e.issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	conf := oauth2.Config{
		ClientID: "web", ClientSecret: "web-secret", RedirectURL: rpRedirect,
		Endpoint: provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, oidc.ScopeOfflineAccess},
	}
	if conf.Endpoint.AuthStyle != oauth2.AuthStyleAutoDetect && conf.Endpoint.AuthStyle != oauth2.AuthStyleInHeader {
		t.Logf("auth style %v", conf.Endpoint.AuthStyle)
	}
	conf.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
	verifier := provider.Verifier(&oidc.Config{ClientID: "web"})

	// Authorization request as the RP builds it.
	pkceVerifier := oauth2.GenerateVerifier()
	state, nonce := "state-"+newID(), "nonce-"+newID()
	authURL := conf.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(pkceVerifier))
	if !strings.HasPrefix(authURL, e.issuer+pathAuthorize) {
		t.Fatalf("auth URL %s", authURL)
	}
	b := e.browser()
	resp := b.get(authURL)
	loc, _ := resp.Location()
	if resp.StatusCode != http.StatusSeeOther || loc.Path != "/login" {
		t.Fatalf("authorize: %d %v", resp.StatusCode, loc)
	}
	id := loc.Query().Get("id")
	info, err := e.srv.LoginInfo(ctx, id)
	if err != nil || info.ClientName != "Web Bank" || info.Done {
		t.Fatalf("LoginInfo: %+v %v", info, err)
	}
	if err := e.srv.CompleteCardLogin(ctx, id, e.card()); err != nil {
		t.Fatal(err)
	}
	resp = b.get(e.srv.CallbackURL(id))
	cb, _ := resp.Location()
	if cb.Query().Get("state") != state || cb.Query().Get("iss") != e.issuer {
		t.Fatalf("callback %v", cb)
	}

	// Token exchange and ID token verification.
	tok, err := conf.Exchange(ctx, cb.Query().Get("code"), oauth2.VerifierOption(pkceVerifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	idt, err := verifier.Verify(ctx, rawID)
	if err != nil {
		t.Fatalf("ID token: %v", err)
	}
	if idt.Nonce != nonce {
		t.Errorf("nonce %q", idt.Nonce)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("at_hash: %v", err)
	}
	var claims struct {
		ACR      string   `json:"acr"`
		AMR      []string `json:"amr"`
		AuthTime int64    `json:"auth_time"`
		SID      string   `json:"sid"`
	}
	if err := idt.Claims(&claims); err != nil || claims.ACR != ACRCard || len(claims.AMR) == 0 || claims.AuthTime == 0 || claims.SID == "" {
		t.Errorf("claims %+v %v", claims, err)
	}

	// UserInfo: same sub.
	ui, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	if ui.Subject != idt.Subject {
		t.Errorf("userinfo sub %q, ID token sub %q", ui.Subject, idt.Subject)
	}

	// Refresh.
	expired := *tok
	expired.AccessToken, expired.Expiry = "", expired.Expiry.Add(-24*3600e9)
	tok2, err := conf.TokenSource(ctx, &expired).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if tok2.AccessToken == tok.AccessToken || tok2.AccessToken == "" {
		t.Error("refresh returned no new access token")
	}
	id2, err := verifier.Verify(ctx, tok2.Extra("id_token").(string))
	if err != nil {
		t.Fatalf("refreshed ID token: %v", err)
	}
	if id2.Subject != idt.Subject || !id2.IssuedAt.After(idt.IssuedAt.Add(-1)) {
		t.Error("refreshed ID token differs in sub")
	}

	// Revocation of the refresh token kills the family.
	st, body, _ := e.postForm(pathRevoke, url.Values{"token": {tok2.RefreshToken}, "token_type_hint": {"refresh_token"}}, "web", "web-secret")
	if st != http.StatusOK {
		t.Fatalf("revoke: %d %v", st, body)
	}
	if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok2.RefreshToken}).Token(); err == nil {
		t.Error("refresh after revocation succeeded")
	}
	if _, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok2)); err == nil {
		t.Error("userinfo with a token of a revoked family succeeded")
	}

	// Logout ends the session: a prompt=none request now fails.
	resp = b.get(e.issuer + pathEndSession + "?" + url.Values{"id_token_hint": {rawID},
		"post_logout_redirect_uri": {"https://rp.example/bye"}, "state": {"s1"}}.Encode())
	if l, _ := resp.Location(); resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther || l.String() != "https://rp.example/bye?state=s1" {
		t.Fatalf("logout: %d %v", resp.StatusCode, l)
	}
	v := authParams("web", rpRedirect, newPKCE())
	v.Set("prompt", "none")
	resp = b.authorize(v)
	if l, _ := resp.Location(); l.Query().Get("error") != "login_required" {
		t.Fatalf("prompt=none after logout: %v", l)
	}
}
