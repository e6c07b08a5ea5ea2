package app_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	mobilebridge "github.com/inkan-id/inkan/mobile-bridge"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

// Whoever completes an auth request with a card decides whose account the
// browser that started it gets. So the login page shows a request's card
// transaction to that browser only: another browser that learns the
// request id (a shared URL, a proxy log) gets 403 and no link, nor can it
// ask for a new transaction.
func TestLoginPageOnlyForItsBrowser(t *testing.T) {
	e := start(t, nil)
	conf := oauth2.Config{ClientID: "rp", ClientSecret: rpSecret, RedirectURL: rpRedirect,
		Endpoint: oauth2.Endpoint{AuthURL: e.issuer + "/authorize"}, Scopes: []string{oidc.ScopeOpenID}}
	owner := browser()
	login := openLogin(t, owner, conf.AuthCodeURL(randString(t), oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), oidc.Nonce(randString(t))))

	get := func(c *http.Client, target string) (int, string) {
		t.Helper()
		resp, err := c.Get(e.issuer + target)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	for _, target := range []string{login.String(), login.String() + "&new=1"} {
		if st, body := get(browser(), target); st != http.StatusForbidden || strings.Contains(body, "/bridge/v1/tx/") {
			t.Errorf("another browser, GET %s: %d, link shown %v", target, st, strings.Contains(body, "/bridge/v1/tx/"))
		}
	}
	if st, body := get(owner, login.String()); st != http.StatusOK || !strings.Contains(body, "/bridge/v1/tx/") {
		t.Errorf("its own browser, GET %s: %d", login, st)
	}
}

// "Start again" retires the transaction it replaces: a device that holds
// the old link (perhaps one the user did not recognise as theirs) can no
// longer complete the request, and the new link can.
func TestStartAgainRetiresTransaction(t *testing.T) {
	e := start(t, nil)
	ctx := context.Background()
	conf := oauth2.Config{ClientID: "rp", ClientSecret: rpSecret, RedirectURL: rpRedirect,
		Endpoint: oauth2.Endpoint{AuthURL: e.issuer + "/authorize"}, Scopes: []string{oidc.ScopeOpenID}}
	owner := browser()
	login := openLogin(t, owner, conf.AuthCodeURL(randString(t), oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), oidc.Nonce(randString(t))))
	id := login.Query().Get("id")
	before, err := e.app.Server.LoginInfo(ctx, id)
	if err != nil || before.Tx == nil {
		t.Fatalf("LoginInfo: %v", err)
	}

	resp, err := owner.Get(e.issuer + login.String() + "&new=1")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	after, err := e.app.Server.LoginInfo(ctx, id)
	if err != nil || after.Tx == nil || after.Tx.ID == before.Tx.ID || !strings.Contains(string(page), after.Tx.ID) {
		t.Fatalf("start again: %d, transaction %+v", resp.StatusCode, after.Tx)
	}

	_, err = mobilebridge.Run(ctx, before.Tx.Link, e.card(), "1234", nil)
	var perr *protocol.Error
	if !errors.As(err, &perr) || perr.Code != protocol.CodeExpired {
		t.Fatalf("the old link: %v, want expired", err)
	}
	if info, _ := e.app.Server.LoginInfo(ctx, id); info.Done {
		t.Fatal("the old link completed the request")
	}
	if _, err := mobilebridge.Run(ctx, after.Tx.Link, e.card(), "1234", nil); err != nil {
		t.Fatalf("the new link: %v", err)
	}
	if info, _ := e.app.Server.LoginInfo(ctx, id); !info.Done {
		t.Fatal("the new link did not complete the request")
	}
}
