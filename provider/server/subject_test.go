package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/inkan-id/inkan/provider/bridge"
)

func TestSubjects(t *testing.T) {
	e := newEnv(t)
	card := e.card()
	login := func(client, secret string) map[string]any { return e.loginTokens(card, client, secret, rpRedirect) }
	web := login("web", "web-secret")
	web2 := login("web2", "web2-secret")
	op := login("opaque", "opaque-secret")
	_, a := parseJWT(t, web["id_token"].(string))
	_, b := parseJWT(t, web2["id_token"].(string))
	typ, c := parseJWT(t, op["id_token"].(string))
	// Same sector (rp.example) → same pairwise sub; a public client sees
	// the account id instead.
	if a["sub"] != b["sub"] {
		t.Errorf("same sector, different pairwise subs")
	}
	if c["sub"] == a["sub"] || len(c["sub"].(string)) != 22 {
		t.Errorf("public sub %v", c["sub"])
	}
	if typ != "JWT" {
		t.Errorf("ID token typ %q", typ)
	}
	// The opaque client: RS256 ID token (its registration), opaque AT.
	if hdr := strings.SplitN(op["id_token"].(string), ".", 2)[0]; !strings.Contains(string(mustB64(t, hdr)), `"RS256"`) {
		t.Errorf("opaque client ID token header %s", mustB64(t, hdr))
	}
	at := op["access_token"].(string)
	if looksJWT(at) || len(at) != idLen+1+43 || familyOf(at) == "" {
		t.Errorf("opaque access token %q", at)
	}
	if got := e.introspectAs(at, "opaque", "opaque-secret"); got["active"] != true || got["sub"] != c["sub"] {
		t.Errorf("opaque introspection %v", got)
	}
	if st, ui := e.userinfo(at); st != 200 || ui["sub"] != c["sub"] {
		t.Errorf("opaque userinfo %d %v", st, ui)
	}
	// Another client cannot learn about the token.
	if got := e.introspectAs(at, "web", "web-secret"); got["active"] != false {
		t.Errorf("foreign introspection %v", got)
	}

	// Stable across restarts: a new server on the same store and master
	// key computes the same pairwise sub.
	srv2, err := New(e.srv.cfg)
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := srv2.lookupClient(t.Context(), "web")
	acct, _ := e.backend.Get(t.Context(), nsCard, card.Card.String())
	if got := srv2.subjectFor(rc, string(acct)); got != a["sub"] {
		t.Errorf("pairwise sub after restart %q, want %q", got, a["sub"])
	}
}

func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := b64.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A loopback host is every native app's: two apps that redirect to
// 127.0.0.1 get each a sector of its own, so different pairwise subs for
// the same user.
func TestLoopbackClientsHaveOwnSectors(t *testing.T) {
	e := newEnv(t)
	card := e.card()
	sub := func(client, secret string) any {
		_, claims := parseJWT(t, e.loginTokens(card, client, secret, loopbackRedirect)["id_token"].(string))
		return claims["sub"]
	}
	if a, b := sub("app1", "app1-secret"), sub("app2", "app2-secret"); a == b {
		t.Errorf("two loopback clients share the pairwise sub %v", a)
	}
}

// loginTokens logs card in at client (redirect URI redirect) in a new
// browser and returns the token response of the code exchange.
func (e *env) loginTokens(card bridge.CardLogin, client, secret, redirect string) map[string]any {
	e.t.Helper()
	p := newPKCE()
	code, _ := e.browser().login(authParams(client, redirect, p), card)
	st, body, _ := e.postForm(pathToken, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {redirect}, "code_verifier": {p.verifier}}, client, secret)
	if st != http.StatusOK {
		e.t.Fatalf("%s: %d %v", client, st, body)
	}
	return body
}
