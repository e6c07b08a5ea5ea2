package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inkan-id/inkan/provider/keys"
	"github.com/inkan-id/inkan/provider/store/bolt"
)

// TestIssuerWithPathAndMount serves an issuer with a path and a mounted
// login page: every endpoint lives under the path, RFC 8414 metadata at
// the root, and the mounted page gets the same headers as the endpoints.
func TestIssuerWithPathAndMount(t *testing.T) {
	clk := newClock()
	b, err := bolt.Open(filepath.Join(t.TempDir(), "inkan.db"), &bolt.Options{Now: clk.Now, SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	master := make([]byte, 32)
	km, err := keys.New(b, master, keys.Options{PublishDelay: keys.NoDelay, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(nil)
	issuer := "http://" + ts.Listener.Addr().String() + "/op"
	srv, err := New(Config{Issuer: issuer, Backend: b, Clients: testRegistry(t, b), Keys: km, MasterKey: master, Dev: true,
		Now: clk.Now, RegistrationPath: "/register"})
	if err != nil {
		t.Fatal(err)
	}
	srv.Mount("/login", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "login page for "+r.URL.Query().Get("id"))
	}))
	ts.Config.Handler = srv.Handler()
	ts.Start()
	defer ts.Close()

	doc, _ := getJSONDoc(t, issuer+pathDiscovery, "")
	if doc["issuer"] != issuer || doc["token_endpoint"] != issuer+pathToken || doc["registration_endpoint"] != issuer+"/register" {
		t.Fatalf("discovery %v", doc)
	}
	meta, _ := getJSONDoc(t, ts.URL+pathOAuthMeta+"/op", "")
	if meta["issuer"] != issuer {
		t.Fatalf("RFC 8414 metadata %v", meta)
	}
	if _, err := http.Get(issuer + pathReady); err != nil {
		t.Fatal(err)
	}

	e := &env{t: t, clock: clk, backend: b, keys: km, srv: srv, ts: ts, issuer: issuer}
	br := e.browser()
	resp := br.authorize(authParams("web", rpRedirect, newPKCE()))
	loc := location(resp)
	if loc.Path != "/op/login" {
		t.Fatalf("login URL %v", loc)
	}
	page, err := br.c.Get(loc.String())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if !strings.HasPrefix(string(body), "login page for ") || page.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("mounted page: %q %v", body, page.Header)
	}
	// The session cookie is scoped to the issuer's path.
	for _, c := range resp.Cookies() {
		if c.Name == defaultCookieName && c.Path != "/op" {
			t.Errorf("cookie path %q", c.Path)
		}
	}
}
