package login

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inkan-id/inkan/mobile-bridge/protocol"
	"github.com/inkan-id/inkan/provider/bridge"
	"github.com/inkan-id/inkan/provider/server"
)

var testNow = time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC)

// fakeServer is the OIDC core as the pages see it.
type fakeServer struct {
	mu         sync.Mutex
	issuer     string
	infos      map[string]*server.LoginInfo
	err        error // returned by LoginInfo when set
	consents   []consentCall
	consentURL string
	consentErr error
	foreign    map[string]bool // ids of requests another browser started
	txs        *fakeBridge     // where RenewTx creates transactions
}

type consentCall struct {
	ID      string
	Granted bool
}

func (f *fakeServer) Issuer() string { return f.issuer }

func (f *fakeServer) LoginInfo(_ context.Context, id string) (*server.LoginInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	info, ok := f.infos[id]
	if !ok {
		return nil, server.ErrUnknownRequest
	}
	c := *info
	return &c, nil
}

// RenewTx creates the transaction with the fake bridge, as the real
// server does with the bridge's Prepare, and makes it the request's
// current one.
func (f *fakeServer) RenewTx(ctx context.Context, id string) (*bridge.Created, error) {
	info, err := f.LoginInfo(ctx, id)
	if err != nil {
		return nil, err
	}
	purpose := protocol.PurposeAuth
	if info.SignatureRequired {
		purpose = protocol.PurposeSign
	}
	c, err := f.txs.Create(ctx, id, purpose, protocol.RelyingParty{ClientID: info.ClientID, Name: info.ClientName}, info.Scopes...)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.infos[id].Tx = c
	return c, nil
}

// SameBrowser: a request is another browser's when its id is in foreign.
func (f *fakeServer) SameBrowser(info *server.LoginInfo, _ http.Header) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.foreign[info.ID]
}

func (f *fakeServer) Consent(_ context.Context, id string, granted bool) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.consents = append(f.consents, consentCall{id, granted})
	if f.consentErr != nil {
		return "", f.consentErr
	}
	return f.consentURL + "?granted=" + fmt.Sprint(granted), nil
}

func (f *fakeServer) setDone(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.infos[id].Done = true
}

// fakeBridge records transactions and answers Status from a table.
type fakeBridge struct {
	mu          sync.Mutex
	issuer      string
	creates     []createCall
	states      map[string]protocol.Status // by tx id
	tokens      map[string]string          // tx id → browser token
	statusCalls int
	createErr   error
	n           int
}

type createCall struct {
	Binding string
	Purpose protocol.Purpose
	RP      protocol.RelyingParty
	Scopes  []string
}

func (b *fakeBridge) Create(_ context.Context, binding string, p protocol.Purpose, rp protocol.RelyingParty, scopes ...string) (*bridge.Created, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.createErr != nil {
		return nil, b.createErr
	}
	b.creates = append(b.creates, createCall{binding, p, rp, scopes})
	b.n++
	id := protocol.EncodeBase64URL(fmt.Appendf(nil, "tx-%013d", b.n))
	secret := protocol.EncodeBase64URL(fmt.Appendf(nil, "secret-%025d", b.n))
	token := protocol.EncodeBase64URL(fmt.Appendf(nil, "token-%026d", b.n))
	link, err := protocol.NewLink(b.issuer, id, secret)
	if err != nil {
		return nil, err
	}
	exp := testNow.Add(3 * time.Minute)
	if b.states == nil {
		b.states, b.tokens = map[string]protocol.Status{}, map[string]string{}
	}
	code := fmt.Sprintf("%02d", 40+b.n)
	b.states[id] = protocol.Status{State: protocol.StatePending, ExpiresAt: exp, BindingCode: code}
	b.tokens[id] = token
	return &bridge.Created{ID: id, Link: link.String(), AppLink: link.AppLink(), BrowserToken: token, ExpiresAt: exp, BindingCode: code}, nil
}

func (b *fakeBridge) Status(_ context.Context, id, token string) (protocol.Status, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.statusCalls++
	st, ok := b.states[id]
	if !ok {
		return protocol.Status{}, protocol.NewError(protocol.CodeNotFound)
	}
	if b.tokens[id] != token {
		return protocol.Status{}, protocol.NewError(protocol.CodeUnauthorized)
	}
	return st, nil
}

func (b *fakeBridge) set(id string, st protocol.Status) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.states[id] = st
}

// env is a Handler over fakes.
type env struct {
	t      *testing.T
	srv    *fakeServer
	bridge *fakeBridge
	h      *Handler
	routes http.Handler
}

const testIssuer = "http://127.0.0.1:8080"

func newEnv(t *testing.T, mod func(*Config)) *env {
	t.Helper()
	return newEnvIssuer(t, testIssuer, mod)
}

func newEnvIssuer(t *testing.T, issuer string, mod func(*Config)) *env {
	t.Helper()
	fs := &fakeServer{issuer: issuer, infos: map[string]*server.LoginInfo{}, consentURL: issuer + "/next"}
	fs.infos["req1"] = &server.LoginInfo{
		ID: "req1", ClientID: "bank", ClientName: "デモ銀行", Scopes: []string{"openid"},
		ExpiresAt: testNow.Add(10 * time.Minute), CallbackURL: issuer + "/authorize/callback?id=req1",
	}
	fs.infos["req-consent"] = &server.LoginInfo{
		ID: "req-consent", ClientID: "bank", ClientName: "デモ銀行", Scopes: []string{"openid", "verified_claims"},
		ConsentRequired: true, SignatureRequired: true,
		ExpiresAt: testNow.Add(10 * time.Minute), CallbackURL: issuer + "/authorize/callback?id=req-consent",
	}
	fs.infos["req-en"] = &server.LoginInfo{
		ID: "req-en", ClientID: "bank", ClientName: "Demo Bank", Scopes: []string{"openid"}, UILocales: []string{"fr", "en-GB"},
		ExpiresAt: testNow.Add(10 * time.Minute), CallbackURL: issuer + "/authorize/callback?id=req-en",
	}
	fs.infos["req-old"] = &server.LoginInfo{
		ID: "req-old", ClientID: "bank", ClientName: "デモ銀行", ExpiresAt: testNow.Add(-time.Second),
	}
	fb := &fakeBridge{issuer: issuer}
	fs.txs = fb
	cfg := Config{Server: fs, Bridge: fb, Now: func() time.Time { return testNow },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if mod != nil {
		mod(&cfg)
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, srv: fs, bridge: fb, h: h, routes: h.Routes()}
}

// do serves one request.
func (e *env) do(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.routes.ServeHTTP(rec, req)
	return rec
}

func (e *env) get(target string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return e.do(req)
}

// post sends a form with the cookies given.
func (e *env) post(target string, form url.Values, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	return e.do(req)
}

// loginPage is a rendered login page with its form, the data attributes
// of #login-data (what the script reads; nil without the element) and the
// cookie.
type loginPage struct {
	rec    *httptest.ResponseRecorder
	body   string
	form   url.Values
	data   map[string]string
	cookie *http.Cookie
}

var (
	hiddenRE    = regexp.MustCompile(`<input type="hidden" name="([a-z]+)" value="([^"]*)">`)
	loginDataRE = regexp.MustCompile(`<div id="login-data"[^>]*>`)
	dataAttrRE  = regexp.MustCompile(`\s(data-[a-z-]+)="([^"]*)"`)
)

// openLogin GETs the login page and collects the Continue form.
func (e *env) openLogin(target string) *loginPage {
	e.t.Helper()
	rec := e.get(target)
	if rec.Code != http.StatusOK {
		e.t.Fatalf("GET %s: %d\n%s", target, rec.Code, rec.Body)
	}
	return pageOf(e.t, rec)
}

func pageOf(t *testing.T, rec *httptest.ResponseRecorder) *loginPage {
	t.Helper()
	p := &loginPage{rec: rec, body: rec.Body.String(), form: url.Values{}}
	body := p.body
	if i := strings.Index(body, `<form id="continue"`); i >= 0 {
		body = body[i:]
		body = body[:strings.Index(body, "</form>")]
		for _, m := range hiddenRE.FindAllStringSubmatch(body, -1) {
			p.form.Set(m[1], htmlUnescape(m[2]))
		}
	}
	if tag := loginDataRE.FindString(p.body); tag != "" {
		p.data = map[string]string{}
		for _, m := range dataAttrRE.FindAllStringSubmatch(tag, -1) {
			p.data[m[1]] = htmlUnescape(m[2])
		}
	}
	for _, c := range rec.Result().Cookies() {
		if strings.Contains(c.Name, "csrf") {
			p.cookie = c
		}
	}
	return p
}

func htmlUnescape(s string) string {
	r := strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#39;", "'", "&#34;", `"`, "&lt;", "<", "&gt;", ">")
	return r.Replace(s)
}
