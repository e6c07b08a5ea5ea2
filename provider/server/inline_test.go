package server

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/inkan-id/inkan/provider/store"
)

// countingGets counts the store reads of auth requests.
type countingGets struct {
	store.Backend
	authReqGets int
}

func (c *countingGets) Get(ctx context.Context, ns, key string) ([]byte, error) {
	if ns == nsAuthReq {
		c.authReqGets++
	}
	return c.Backend.Get(ctx, ns, key)
}

// TestAuthorizeAnswersWithLoginPage: with UseLoginPage, /authorize answers
// a request that needs a card login with the page itself: the browser's
// cookie is set, the page sees the request as created without a store
// read (once: a second look reads the store), and every other answer
// (SSO to the callback, errors to the client) is still a redirect.
func TestAuthorizeAnswersWithLoginPage(t *testing.T) {
	e := newEnv(t)
	var seen []string
	e.srv.UseLoginPage(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("id")
		reads := 0
		if cg, ok := e.srv.backend.(*countingGets); ok {
			reads = cg.authReqGets
		}
		first, err := e.srv.LoginInfo(r.Context(), id)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		second, err := e.srv.LoginInfo(r.Context(), id)
		if err != nil || second.ID != first.ID {
			http.Error(w, "second look", http.StatusInternalServerError)
			return
		}
		if cg, ok := e.srv.backend.(*countingGets); ok && cg.authReqGets != reads+1 {
			http.Error(w, "reads", http.StatusInternalServerError)
			return
		}
		seen = append(seen, r.Method+" "+r.URL.Path+" "+first.ClientID)
		io.WriteString(w, "login page for "+id)
	}))
	cg := &countingGets{Backend: e.srv.backend}
	e.srv.backend = cg

	b := e.browser()
	p := newPKCE()
	resp, err := b.c.Get(e.issuer + pathAuthorize + "?" + authParams("web", rpRedirect, p).Encode())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "login page for ") {
		t.Fatalf("authorize: %d %s", resp.StatusCode, body)
	}
	if len(seen) != 1 || seen[0] != "GET /login web" {
		t.Fatalf("login page saw %v", seen)
	}
	if resp.Header.Get("Location") != "" || len(resp.Cookies()) == 0 || resp.Cookies()[0].Name != e.srv.cfg.SessionCookie {
		t.Fatalf("headers %v", resp.Header)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", resp.Header.Get("Cache-Control"))
	}

	// Authorization by POST gets the page too.
	form := authParams("web", rpRedirect, newPKCE())
	resp, err = b.c.PostForm(e.issuer+pathAuthorize, form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(seen) != 2 || seen[1] != "GET /login web" {
		t.Fatalf("POST authorize: %d, page saw %v", resp.StatusCode, seen)
	}

	// Within the session: straight to the callback, a redirect.
	id := strings.TrimPrefix(string(body), "login page for ")
	if err := e.srv.CompleteCardLogin(context.Background(), id, e.card()); err != nil {
		t.Fatal(err)
	}
	if r := b.get(e.srv.CallbackURL(id)); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("callback: %d", r.StatusCode)
	}
	r := b.get(e.issuer + pathAuthorize + "?" + authParams("web", rpRedirect, newPKCE()).Encode())
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(location(r).Path, pathCallback) {
		t.Fatalf("SSO: %d %v", r.StatusCode, location(r))
	}
	// An error goes to the client, a redirect with iss.
	v := authParams("web", rpRedirect, newPKCE())
	v.Set("code_challenge_method", "plain")
	r = b.get(e.issuer + pathAuthorize + "?" + v.Encode())
	loc := location(r)
	if r.StatusCode != http.StatusSeeOther || loc.Query().Get("error") == "" || loc.Query().Get("iss") != e.issuer {
		t.Fatalf("error: %d %v", r.StatusCode, loc)
	}
	if len(seen) != 2 {
		t.Fatalf("login page served for %v", seen)
	}
}
