package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inkan-id/inkan/internal/syncbuf"

	"github.com/inkan-id/inkan/cardauth/identity"
	"github.com/inkan-id/inkan/cardauth/vcard/testca"
	"github.com/inkan-id/inkan/provider/bridge"
	"github.com/inkan-id/inkan/provider/keys"
	"github.com/inkan-id/inkan/provider/store"
	"github.com/inkan-id/inkan/provider/store/bolt"
)

// clock is a settable test clock shared by the server, the store and the
// key manager.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is one provider on the real bolt backend behind an httptest server.
type env struct {
	t       testing.TB
	clock   *clock
	backend store.Backend
	keys    *keys.Manager
	srv     *Server
	ts      *httptest.Server
	issuer  string
	ca      *testca.CA
	logs    *syncbuf.Buffer
}

type envOpt func(*Config)

// keysCacheTTL is the key manager's cache in tests: none, so that a store
// outage reaches the JWKS too. Benchmarks use the production default.
var keysCacheTTL time.Duration = -1

// newEnv starts a provider with the standard test clients.
func newEnv(t testing.TB, opts ...envOpt) *env {
	t.Helper()
	clk := newClock()
	return newEnvOn(t, clk, openBolt(t, clk), opts...)
}

// openBolt opens a bolt store of the test's own, on clk, without sweeps.
func openBolt(t testing.TB, clk *clock) *bolt.Store {
	t.Helper()
	b, err := bolt.Open(filepath.Join(t.TempDir(), "inkan.db"), &bolt.Options{Now: clk.Now, SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func newEnvOn(t testing.TB, clk *clock, b store.Backend, opts ...envOpt) *env {
	t.Helper()
	master := make([]byte, 32)
	for i := range master {
		master[i] = byte(i)
	}
	km, err := keys.New(b, master, keys.Options{PublishDelay: keys.NoDelay, Now: clk.Now, CacheTTL: keysCacheTTL})
	if err != nil {
		t.Fatal(err)
	}
	if err := km.EnsureKeys(context.Background()); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(nil)
	issuer := "http://" + ts.Listener.Addr().String()
	logs := &syncbuf.Buffer{}
	cfg := Config{
		Issuer: issuer, Backend: b, MasterKey: master, Dev: true, Clients: testRegistry(t, b), Keys: km,
		Log: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now: clk.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = srv.Handler()
	ts.Start()
	t.Cleanup(ts.Close)
	ca, err := testca.New(clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, clock: clk, backend: b, keys: km, srv: srv, ts: ts, issuer: issuer, ca: ca, logs: logs}
}

// card issues a fresh authentication certificate and returns the card
// login the bridge would hand over.
func (e *env) card() bridge.CardLogin {
	e.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	cert, err := e.ca.Issue(testca.Auth, &key.PublicKey, testca.Holder{Birthdate: "1990-01-02"}, e.clock.Now(), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	id, err := identity.CardIDOf(cert)
	if err != nil {
		e.t.Fatal(err)
	}
	return bridge.CardLogin{TxID: "tx-" + newID(), Purpose: "auth", Card: id, Certificate: cert.Raw, VerifiedAt: e.clock.Now()}
}

// browser is a user agent with a cookie jar that does not follow
// redirects, so each hop can be checked.
type browser struct {
	e *env
	c *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *browser) get(u string) *http.Response {
	b.e.t.Helper()
	resp, err := b.c.Get(u)
	if err != nil {
		b.e.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// pkce is a verifier and its S256 challenge.
type pkce struct{ verifier, challenge string }

func newPKCE() pkce {
	v := newSecret() + "x" // 44 characters
	sum := sha256.Sum256([]byte(v))
	return pkce{v, b64.EncodeToString(sum[:])}
}

// authParams are the parameters of a standard authorization request.
func authParams(clientID, redirect string, p pkce) url.Values {
	return url.Values{
		"client_id": {clientID}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"st-" + newID()}, "nonce": {"n-" + newID()},
		"code_challenge": {p.challenge}, "code_challenge_method": {"S256"},
	}
}

// authorize sends the browser to /authorize and returns the response.
func (b *browser) authorize(v url.Values) *http.Response {
	return b.get(b.e.issuer + pathAuthorize + "?" + v.Encode())
}

// login runs an authorization request through a card login to the code.
func (b *browser) login(v url.Values, cl bridge.CardLogin) (code string, loc *url.URL) {
	b.e.t.Helper()
	resp := b.authorize(v)
	if resp.StatusCode != http.StatusSeeOther {
		b.e.t.Fatalf("authorize: status %d, want 303", resp.StatusCode)
	}
	l, _ := resp.Location()
	if strings.HasPrefix(l.Path, "/login") {
		id := l.Query().Get("id")
		if info, err := b.e.srv.LoginInfo(context.Background(), id); err == nil && info.Tx != nil {
			cl.TxID = info.Tx.ID // the phone answers the page's transaction
		}
		if err := b.e.srv.CompleteCardLogin(context.Background(), id, cl); err != nil {
			b.e.t.Fatalf("CompleteCardLogin: %v", err)
		}
		resp = b.get(b.e.srv.CallbackURL(id))
		l, _ = resp.Location()
	} else {
		resp = b.get(l.String())
		l, _ = resp.Location()
	}
	if resp.StatusCode != http.StatusSeeOther || l == nil {
		b.e.t.Fatalf("callback: status %d, want 303", resp.StatusCode)
	}
	return l.Query().Get("code"), l
}

// postForm posts to an endpoint with optional basic auth.
func (e *env) postForm(path string, form url.Values, basicUser, basicPass string) (int, map[string]any, http.Header) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.issuer+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicUser != "" {
		req.SetBasicAuth(url.QueryEscape(basicUser), url.QueryEscape(basicPass))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &body)
	return resp.StatusCode, body, resp.Header
}

// exchange redeems a code as the web client with client_secret_basic.
func (e *env) exchange(code, redirect, verifier string) (int, map[string]any) {
	st, body, _ := e.postForm(pathToken, url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "code_verifier": {verifier},
	}, "web", "web-secret")
	return st, body
}

// introspect asks about a token as the web client.
func (e *env) introspect(tok string) map[string]any {
	e.t.Helper()
	st, body, _ := e.postForm(pathIntrospect, url.Values{"token": {tok}}, "web", "web-secret")
	if st != http.StatusOK {
		e.t.Fatalf("introspect: status %d %v", st, body)
	}
	return body
}

func newTestECKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func location(resp *http.Response) *url.URL {
	l, _ := resp.Location()
	if l == nil {
		return &url.URL{}
	}
	return l
}

func mustParse(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// checkAuthErrorWith is checkAuthError for a given browser.
func checkAuthErrorWith(t *testing.T, e *env, b *browser, v url.Values, want string) {
	t.Helper()
	loc := location(b.authorize(v))
	q := loc.Query()
	if q.Get("error") != want || q.Get("iss") != e.issuer {
		t.Fatalf("got %v, want error=%s with iss", loc, want)
	}
}

// postFormBasic redeems a code as client with client_secret_basic.
func (e *env) postFormBasic(code, verifier, client, secret string) (int, map[string]any) {
	st, body, _ := e.postForm(pathToken, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {rpRedirect}, "code_verifier": {verifier}}, client, secret)
	return st, body
}
