package demo

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inkan-id/inkan/internal/syncbuf"

	"github.com/inkan-id/inkan/cardauth/revocation"
	"github.com/inkan-id/inkan/cardauth/vcard/testca"
	"github.com/inkan-id/inkan/cardauth/verify"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
	"github.com/inkan-id/inkan/provider/bridge"
	"github.com/inkan-id/inkan/provider/store"
	"github.com/inkan-id/inkan/provider/store/bolt"
)

// completions records the bridge's completed logins.
type completions struct {
	mu       sync.Mutex
	db       store.Backend // where the bridge's own writes are applied
	bindings []string
	purposes []protocol.Purpose
}

func (c *completions) CompleteCardLogin(ctx context.Context, binding string, l bridge.CardLogin, also ...store.Op) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := store.Apply(ctx, c.db, also...); err != nil {
		return err
	}
	c.bindings = append(c.bindings, binding)
	c.purposes = append(c.purposes, l.Purpose)
	return nil
}

func (c *completions) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.bindings)
}

// phoneEnv is a real bridge (bolt store, verifier trusting the test CA the
// phone created) and the phone, behind one HTTP server.
type phoneEnv struct {
	t      *testing.T
	srv    *httptest.Server
	bridge *bridge.Service
	phone  *Phone
	comp   *completions
	logs   *syncbuf.Buffer
	dir    string
	db     *bolt.Store
	v      *verify.Verifier
	mu     sync.Mutex
	h      http.Handler
}

func (e *phoneEnv) bridgeBackend(*testing.T) *bolt.Store { return e.db }
func (e *phoneEnv) verifier(*testing.T) *verify.Verifier { return e.v }

// swap replaces what the test server serves.
func (e *phoneEnv) swap(h http.Handler) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.h = h
}

func (e *phoneEnv) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	h := e.h
	e.mu.Unlock()
	h.ServeHTTP(w, r)
}

func newPhoneEnv(t *testing.T) *phoneEnv {
	t.Helper()
	e := &phoneEnv{t: t, comp: &completions{}, logs: &syncbuf.Buffer{}, dir: t.TempDir()}
	mux := http.NewServeMux()
	e.h = mux
	e.srv = httptest.NewServer(e)
	t.Cleanup(e.srv.Close)
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	var err error
	e.phone, err = NewPhone(PhoneConfig{Issuer: e.srv.URL, CardPath: filepath.Join(e.dir, "card.json"),
		CADir: filepath.Join(e.dir, "testca"), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	ca, err := testca.Load(filepath.Join(e.dir, "testca"))
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
	db, err := bolt.Open(filepath.Join(e.dir, "inkan.db"), &bolt.Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e.db, e.v = db, v
	e.comp.db = db
	e.bridge, err = bridge.New(bridge.Config{Backend: db, Verifier: v, Issuer: e.srv.URL, Completer: e.comp, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle(protocol.PathPrefix, e.bridge.Handler())
	e.phone.Register(mux)
	return e
}

func (e *phoneEnv) create(p protocol.Purpose) *bridge.Created {
	e.t.Helper()
	c, err := e.bridge.Create(context.Background(), "authreq-1", p, protocol.RelyingParty{ClientID: "bank", Name: "デモ銀行"}, "openid")
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

var phoneCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// open GETs the phone page and returns its body, CSRF token and cookie.
func (e *phoneEnv) open(link string) (string, string, *http.Cookie) {
	e.t.Helper()
	rec := httptest.NewRecorder()
	e.phone.Routes().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/dev/phone?link="+url.QueryEscape(link), nil))
	if rec.Code != http.StatusOK {
		e.t.Fatalf("GET phone: %d", rec.Code)
	}
	m := phoneCSRF.FindStringSubmatch(rec.Body.String())
	if m == nil {
		e.t.Fatal("no CSRF field")
	}
	return rec.Body.String(), m[1], rec.Result().Cookies()[0]
}

func (e *phoneEnv) tap(form url.Values, c *http.Cookie) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/dev/phone", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c != nil {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	e.phone.Routes().ServeHTTP(rec, req)
	return rec
}

func TestPhoneTap(t *testing.T) {
	e := newPhoneEnv(t)
	c := e.create(protocol.PurposeAuth)
	body, tok, cookie := e.open(c.Link)
	for _, want := range []string{"デモ銀行", `type="password"`, `inputmode="numeric"`, `autocomplete="off"`, "DEVELOPMENT MODE", `value="` + c.Link + `"`} {
		if !strings.Contains(body, want) {
			t.Errorf("phone page lacks %s", want)
		}
	}

	steps := []struct {
		name    string
		form    url.Values
		cookie  *http.Cookie
		status  int
		outcome string
		tries   int
	}{
		{"no CSRF", url.Values{"link": {c.Link}, "pin": {"1234"}}, cookie, http.StatusForbidden, "csrf", 3},
		{"foreign link", url.Values{"csrf": {tok}, "link": {strings.Replace(c.Link, e.srv.URL, "https://other.example", 1)}, "pin": {"9999"}}, cookie, http.StatusOK, "foreign_link", 3},
		{"malformed PIN costs nothing", url.Values{"csrf": {tok}, "link": {c.Link}, "pin": {"12a"}}, cookie, http.StatusOK, "pin_format", 3},
		{"wrong PIN", url.Values{"csrf": {tok}, "link": {c.Link}, "pin": {"9999"}}, cookie, http.StatusOK, "wrong_pin", 2},
		{"right PIN", url.Values{"csrf": {tok}, "link": {c.Link}, "pin": {"1234"}}, cookie, http.StatusOK, "done", 3},
		{"used link", url.Values{"csrf": {tok}, "link": {c.Link}, "pin": {"1234"}}, cookie, http.StatusOK, "already_used", 3},
	}
	for _, s := range steps {
		rec := e.tap(s.form, s.cookie)
		if rec.Code != s.status {
			t.Fatalf("%s: status %d, want %d", s.name, rec.Code, s.status)
		}
		if !strings.Contains(rec.Body.String(), `data-outcome="`+s.outcome+`"`) {
			t.Errorf("%s: want outcome %s in\n%s", s.name, s.outcome, rec.Body)
		}
		if got := e.phone.card.File().Auth.TriesLeft; got != s.tries {
			t.Errorf("%s: %d tries left, want %d", s.name, got, s.tries)
		}
	}
	if !strings.Contains(e.tap(url.Values{"csrf": {tok}, "link": {e.create(protocol.PurposeAuth).Link}, "pin": {"9999"}}, cookie).Body.String(), "2 tries left") {
		t.Error("wrong PIN not explained with tries left")
	}
	e.tap(url.Values{"csrf": {tok}, "link": {e.create(protocol.PurposeAuth).Link}, "pin": {"1234"}}, cookie) // reset the counter
	if e.comp.count() != 2 {
		t.Errorf("%d logins completed, want 2", e.comp.count())
	}
	logs := e.logs.String()
	l, _ := protocol.ParseLink(c.Link)
	for _, secret := range []string{"pin=", "1234", "9999", l.Secret} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
}

func TestPhoneAutoTap(t *testing.T) {
	e := newPhoneEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, p := range []protocol.Purpose{protocol.PurposeAuth, protocol.PurposeSign} {
		c := e.create(p)
		if err := e.phone.AutoTap(ctx, c.Link); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		st, err := e.bridge.Status(ctx, c.ID, c.BrowserToken)
		if err != nil || st.State != protocol.StateDone {
			t.Errorf("%s: status %+v, %v", p, st, err)
		}
	}
	if err := e.phone.AutoTap(ctx, "https://other.example/bridge/v1/tx/"+strings.Repeat("A", 22)+"#"+strings.Repeat("A", 43)); err != ErrForeignLink {
		t.Errorf("foreign link: %v", err)
	}
	if e.comp.purposes[1] != protocol.PurposeSign {
		t.Errorf("purposes %v", e.comp.purposes)
	}
}
