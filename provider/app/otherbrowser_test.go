package app_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
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
