package demo

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	mobilebridge "github.com/inkan-id/inkan/mobile-bridge"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
	"github.com/inkan-id/inkan/provider/bridge"
	"github.com/inkan-id/inkan/provider/login"
	"github.com/inkan-id/inkan/provider/server"
	"github.com/inkan-id/inkan/provider/store"
)

// coreStub is the OIDC core reduced to what the pages and the bridge need:
// one auth request that a completed card login marks done.
type coreStub struct {
	issuer string
	txs    *bridge.Service // where RenewTx creates transactions
	db     store.Backend   // where the bridge's own writes are applied
	mu     sync.Mutex
	done   map[string]bool
}

func (c *coreStub) Issuer() string { return c.issuer }

func (c *coreStub) LoginInfo(_ context.Context, id string) (*server.LoginInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id != "authreq-1" {
		return nil, server.ErrUnknownRequest
	}
	return &server.LoginInfo{ID: id, ClientID: "bank", ClientName: "デモ銀行", Scopes: []string{"openid"},
		Done: c.done[id], ExpiresAt: time.Now().Add(10 * time.Minute), CallbackURL: c.issuer + "/authorize/callback?id=" + id}, nil
}

func (c *coreStub) Consent(context.Context, string, bool) (string, error) { return "", nil }

// RenewTx creates the transaction with the real bridge.
func (c *coreStub) RenewTx(ctx context.Context, id string) (*bridge.Created, error) {
	return c.txs.Create(ctx, id, protocol.PurposeAuth, protocol.RelyingParty{ClientID: "bank", Name: "デモ銀行"}, "openid")
}

// SameBrowser: the stub's requests belong to every browser.
func (c *coreStub) SameBrowser(*server.LoginInfo, http.Header) bool { return true }

func (c *coreStub) CompleteCardLogin(ctx context.Context, binding string, _ bridge.CardLogin, also ...store.Op) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := store.Apply(ctx, c.db, also...); err != nil {
		return err
	}
	c.done[binding] = true
	return nil
}

var bridgeLinkRE = regexp.MustCompile(`<a id="bridge-link" href="([^"]+)"`)
var bindingCodeRE = regexp.MustCompile(`id="binding-code">([0-9A-Z]+)<`)
var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// TestLoginWithPhone drives the pages like a browser without JavaScript:
// the login page's link goes to the virtual phone, the PIN is typed, and
// Continue moves on to the callback. The bridge and the card are real.
func TestLoginWithPhone(t *testing.T) {
	e := newPhoneEnv(t)
	core := &coreStub{issuer: e.srv.URL, db: e.bridgeBackend(t), done: map[string]bool{}}
	b, err := bridge.New(bridge.Config{Backend: e.bridgeBackend(t), Verifier: e.verifier(t), Issuer: e.srv.URL, Completer: core,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	core.txs = b
	lh, err := login.New(login.Config{Server: core, Bridge: b, Dev: true})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(protocol.PathPrefix, b.Handler())
	lh.Register(mux)
	e.phone.Register(mux)
	e.swap(mux)

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	body := fetch(t, client, http.MethodGet, e.srv.URL+"/login?id=authreq-1", nil)
	m := bridgeLinkRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no bridge link on the login page")
	}
	link := htmlUnescape(m[1])
	loginForm := formOf(body, `<form id="continue"`)
	if !strings.Contains(body, "/dev/phone?link=") {
		t.Error("no link to the virtual phone")
	}

	// Continue before the card: the same page, saying not yet.
	if got := fetch(t, client, http.MethodPost, e.srv.URL+"/login/continue", loginForm); !strings.Contains(got, "カードの操作がまだ完了していません") {
		t.Error("early Continue does not say the card step is missing")
	}

	// The page shows a binding code; the phone, having claimed the
	// transaction, shows the same one, and the page then says that a
	// device connected.
	cm := bindingCodeRE.FindStringSubmatch(body)
	if cm == nil {
		t.Fatal("no binding code on the login page")
	}
	phone := fetch(t, client, http.MethodGet, e.srv.URL+"/dev/phone?link="+url.QueryEscape(link), nil)
	if !strings.Contains(phone, "デモ銀行") {
		t.Error("phone does not show who is asking")
	}
	if pm := bindingCodeRE.FindStringSubmatch(phone); pm == nil || pm[1] != cm[1] {
		t.Errorf("phone shows code %v, the page %s", pm, cm[1])
	}
	if !strings.Contains(phone, `<span id="origin">`+e.srv.URL+`</span>`) || !strings.Contains(phone, "確認番号は「"+cm[1]+"」") {
		t.Error("phone does not show the origin and the plain-language prompt")
	}
	if got := fetch(t, client, http.MethodPost, e.srv.URL+"/login/continue", loginForm); !strings.Contains(got, "このログインを開きました") ||
		!strings.Contains(got, `id="binding-code">`+cm[1]+`<`) {
		t.Error("Continue does not say that a device connected")
	}
	// Someone else with the same link (a forwarded QR code) gets nowhere.
	if _, err := mobilebridge.Fetch(context.Background(), link, &mobilebridge.Options{ClaimToken: protocol.NewClaimToken()}); !errors.Is(err, protocol.NewError(protocol.CodeClaimedByAnotherDevice)) {
		t.Errorf("second device: %v", err)
	}
	tap := formOf(phone, `<form method="post"`)
	tap.Set("link", link)
	tap.Set("pin", DefaultAuthPIN)
	if got := fetch(t, client, http.MethodPost, e.srv.URL+"/dev/phone", tap); !strings.Contains(got, `data-outcome="done"`) {
		t.Fatalf("tap failed:\n%s", got)
	}

	// The page's status endpoints see it done.
	l, _ := protocol.ParseLink(link)
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+protocol.TxPath+l.ID+protocol.EventsSuffix+"?t="+loginForm.Get("bt"), nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(ev), `"state":"done"`) {
		t.Errorf("events: %s", ev)
	}

	resp = do(t, client, http.MethodPost, e.srv.URL+"/login/continue", loginForm)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != e.srv.URL+"/authorize/callback?id=authreq-1" {
		t.Errorf("Continue: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestLoginDevAutoTap: with DevAutoTap the login page answers its own
// transaction with the phone's card and goes straight on.
func TestLoginDevAutoTap(t *testing.T) {
	e := newPhoneEnv(t)
	core := &coreStub{issuer: e.srv.URL, db: e.bridgeBackend(t), done: map[string]bool{}}
	b, err := bridge.New(bridge.Config{Backend: e.bridgeBackend(t), Verifier: e.verifier(t), Issuer: e.srv.URL, Completer: core,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	core.txs = b
	lh, err := login.New(login.Config{Server: core, Bridge: b, Dev: true, DevAutoTap: true, AutoTapper: e.phone})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(protocol.PathPrefix, b.Handler())
	lh.Register(mux)
	e.swap(mux)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp := do(t, client, http.MethodGet, e.srv.URL+"/login?id=authreq-1", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != e.srv.URL+"/authorize/callback?id=authreq-1" {
		t.Errorf("auto-tap login: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func do(t *testing.T, c *http.Client, method, target string, form url.Values) *http.Response {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func fetch(t *testing.T, c *http.Client, method, target string, form url.Values) string {
	t.Helper()
	resp := do(t, c, method, target, form)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// formOf collects the hidden fields of the form starting with start.
func formOf(body, start string) url.Values {
	v := url.Values{}
	i := strings.Index(body, start)
	if i < 0 {
		return v
	}
	body = body[i:]
	body = body[:strings.Index(body, "</form>")]
	for _, m := range hiddenRE.FindAllStringSubmatch(body, -1) {
		v.Set(m[1], htmlUnescape(m[2]))
	}
	return v
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#39;", "'", "&#34;", `"`, "&lt;", "<", "&gt;", ">").Replace(s)
}
