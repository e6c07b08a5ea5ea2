package login

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/inkan-id/inkan/mobile-bridge/protocol"
	"github.com/inkan-id/inkan/provider/store"
)

func TestLoginRefusals(t *testing.T) {
	tests := []struct {
		name   string
		target string
		srvErr error
		status int
		want   string
	}{
		{"no id", "/login", nil, http.StatusBadRequest, "このログインの依頼が見つかりません"},
		{"control characters", "/login?id=a%00b", nil, http.StatusBadRequest, "見つかりません"},
		{"too long", "/login?id=" + strings.Repeat("a", 300), nil, http.StatusBadRequest, "見つかりません"},
		{"unknown", "/login?id=nope", nil, http.StatusBadRequest, "見つかりません"},
		{"expired", "/login?id=req-old", nil, http.StatusGone, "期限切れ"},
		{"unknown, English", "/login?id=nope&lang=en", nil, http.StatusBadRequest, "This sign-in request was not found"},
		{"store down", "/login?id=req1", store.ErrUnavailable, http.StatusServiceUnavailable, "ただいまサービスを利用できません"},
		{"broken", "/login?id=req1", errors.New("boom"), http.StatusInternalServerError, "システムで問題が起きました"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.srv.err = tt.srvErr
			rec := e.get(tt.target)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			if !strings.Contains(rec.Body.String(), tt.want) {
				t.Errorf("body lacks %q:\n%s", tt.want, rec.Body)
			}
			if strings.Contains(rec.Body.String(), "boom") {
				t.Error("internal cause shown to the user")
			}
			if len(e.bridge.creates) != 0 {
				t.Error("a transaction was created")
			}
			checkSecurityHeaders(t, rec)
		})
	}
}

func TestLoginPage(t *testing.T) {
	e := newEnv(t, nil)
	p := e.openLogin("/login?id=req1")
	if len(e.bridge.creates) != 1 {
		t.Fatalf("%d transactions created, want 1", len(e.bridge.creates))
	}
	c := e.bridge.creates[0]
	if c.Binding != "req1" || c.Purpose != protocol.PurposeAuth || c.RP.Name != "デモ銀行" || c.RP.ClientID != "bank" {
		t.Errorf("Create(%+v)", c)
	}
	link := p.form.Get("link")
	l, err := protocol.ParseLink(link)
	if err != nil {
		t.Fatalf("link %q: %v", link, err)
	}
	for _, want := range []string{
		`<a id="bridge-link" href="` + link + `">` + link + `</a>`,
		`href="` + strings.ReplaceAll(l.AppLink(), "&", "&amp;") + `"`,
		`<html lang="ja">`,
		`<strong class="rp" id="client-name">デモ銀行</strong>`,
		`<time id="expires" datetime="2026-04-01T10:03:00Z">19:03:00</time>`,
		`あと約3分`,
		`role="status" aria-live="polite"`,
		`action="/login/continue"`,
		`4桁の暗証番号`,
		`data-events="/bridge/v1/tx/` + l.ID + `/events"`,
		`data-status="/bridge/v1/tx/` + l.ID + `/status"`,
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if p.form.Get("tx") != l.ID || p.form.Get("bt") != e.bridge.tokens[l.ID] || p.form.Get("id") != "req1" {
		t.Errorf("continue form %v", p.form)
	}
	if p.cookie == nil || p.cookie.Value != p.form.Get("csrf") || !p.cookie.HttpOnly || p.cookie.SameSite != http.SameSiteStrictMode {
		t.Errorf("CSRF cookie %+v vs form %q", p.cookie, p.form.Get("csrf"))
	}
	if strings.Contains(p.body, `id="dev-banner"`) || strings.Contains(p.body, "/dev/phone") {
		t.Error("development banner outside dev mode")
	}
	checkSecurityHeaders(t, p.rec)

	// A reload shows the request's current transaction; start again
	// makes a new one.
	if again := e.openLogin("/login?id=req1"); len(e.bridge.creates) != 1 || again.form.Get("tx") != l.ID {
		t.Errorf("reload: %d transactions in all, tx %s", len(e.bridge.creates), again.form.Get("tx"))
	}
	if again := e.openLogin("/login?id=req1&new=1"); len(e.bridge.creates) != 2 || again.form.Get("tx") == l.ID {
		t.Errorf("start again: %d transactions in all, tx %s", len(e.bridge.creates), again.form.Get("tx"))
	}
}

func TestLoginSignPurpose(t *testing.T) {
	e := newEnv(t, nil)
	p := e.openLogin("/login?id=req-consent&lang=en")
	if c := e.bridge.creates[0]; c.Purpose != protocol.PurposeSign || strings.Join(c.Scopes, " ") != "openid verified_claims" {
		t.Errorf("Create(%+v), want purpose sign with the scopes", c)
	}
	if !strings.Contains(p.body, "signature password") {
		t.Error("sign page does not ask for the signature password")
	}
}

func TestLoginDoneGoesOn(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.setDone("req1")
	e.srv.setDone("req-consent")
	if rec := e.get("/login?id=req1"); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != testIssuer+"/authorize/callback?id=req1" {
		t.Errorf("done, no consent: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	if rec := e.get("/login?id=req-consent&lang=en"); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login/consent?id=req-consent&lang=en" {
		t.Errorf("done, consent: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	if len(e.bridge.creates) != 0 {
		t.Error("a transaction was created for a finished login")
	}
}

func TestLoginBridgeDown(t *testing.T) {
	e := newEnv(t, nil)
	e.bridge.createErr = errors.Join(errors.New("bridge: create"), store.ErrUnavailable)
	if rec := e.get("/login?id=req1"); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", rec.Code)
	}
}

func TestLanguage(t *testing.T) {
	tests := []struct {
		name, target, accept string
		want                 string
	}{
		{"default Japanese", "/login?id=req1", "", "ja"},
		{"Accept-Language English", "/login?id=req1", "en-US,en;q=0.9", "en"},
		{"Accept-Language by q", "/login?id=req1", "fr, en;q=0.4, ja;q=0.5", "ja"},
		{"Accept-Language unsupported", "/login?id=req1", "de-DE, fr;q=0.8", "ja"},
		{"Accept-Language q=0", "/login?id=req1", "en;q=0, ja;q=0.1", "ja"},
		{"ui_locales first supported wins", "/login?id=req-en", "ja", "en"},
		{"explicit switch beats ui_locales", "/login?id=req-en&lang=ja", "en", "ja"},
		{"explicit English", "/login?id=req1&lang=en", "ja", "en"},
		{"bad explicit ignored", "/login?id=req1&lang=xx", "en", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			rec := e.get(tt.target, "Accept-Language", tt.accept)
			body := rec.Body.String()
			if !strings.Contains(body, `<html lang="`+tt.want+`">`) {
				t.Fatalf("want lang %s:\n%.300s", tt.want, body)
			}
			other := map[string]string{"ja": "en", "en": "ja"}[tt.want]
			if !strings.Contains(body, `id="lang-switch"`) || !strings.Contains(body, "lang="+other) {
				t.Error("no switch link to the other language")
			}
			heading := map[string]string{"ja": "マイナンバーカードでログイン</h1>", "en": "Sign in with your My Number Card</h1>"}[tt.want]
			if !strings.Contains(body, heading) {
				t.Errorf("heading not in %s", tt.want)
			}
		})
	}
}

func TestCatalogue(t *testing.T) {
	for key, ja := range catalogue[langJA] {
		en, ok := catalogue[langEN][key]
		if !ok || en == "" || ja == "" {
			t.Errorf("key %q: ja %q en %q", key, ja, en)
		}
	}
	for key := range catalogue[langEN] {
		if _, ok := catalogue[langJA][key]; !ok {
			t.Errorf("key %q missing in Japanese", key)
		}
	}
}

// checkSecurityHeaders asserts the headers every page must carry, and that
// the CSP nonce is the one on the page's script and style.
func checkSecurityHeaders(t *testing.T, rec interface {
	Header() http.Header
}) {
	t.Helper()
	h := rec.Header()
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'", "script-src 'nonce-", "style-src 'nonce-", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %s", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows unsafe-inline: %s", csp)
	}
	for k, v := range map[string]string{"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"} {
		if h.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, h.Get(k), v)
		}
	}
}

var nonceRE = regexp.MustCompile(`nonce="([^"]+)"`)

func TestNonceMatchesCSP(t *testing.T) {
	e := newEnv(t, nil)
	p := e.openLogin("/login?id=req1")
	nonces := nonceRE.FindAllStringSubmatch(p.body, -1)
	if len(nonces) != 2 {
		t.Fatalf("%d nonced elements, want style and script", len(nonces))
	}
	csp := p.rec.Header().Get("Content-Security-Policy")
	for _, n := range nonces {
		if !strings.Contains(csp, "'nonce-"+n[1]+"'") {
			t.Errorf("nonce %s not in CSP %s", n[1], csp)
		}
	}
	if strings.Contains(p.body, " style=\"") {
		t.Error("inline style attribute would be blocked by the CSP")
	}
	q := e.openLogin("/login?id=req1")
	if nonceRE.FindStringSubmatch(q.body)[1] == nonces[0][1] {
		t.Error("nonce repeats across responses")
	}
}

func TestDevBanner(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Dev = true })
	p := e.openLogin("/login?id=req1")
	if !strings.Contains(p.body, "DEVELOPMENT MODE — test CA, virtual cards") {
		t.Error("no development banner in dev mode")
	}
	want := `href="/dev/phone?link=` + url.QueryEscape(p.form.Get("link"))
	if !strings.Contains(p.body, strings.ReplaceAll(want, "&", "&amp;")) || !strings.Contains(p.body, `target="_blank" rel="noopener"`) {
		t.Errorf("no link to the virtual phone (%s)", want)
	}
	if strings.Contains(p.body, "dev-autotap") {
		t.Error("auto-tap note without auto-tap")
	}
	rec := e.get("/login?id=nope")
	if !strings.Contains(rec.Body.String(), "DEVELOPMENT MODE") {
		t.Error("no banner on the error page")
	}
}

func TestDevAutoTapNeedsDev(t *testing.T) {
	fs := &fakeServer{issuer: testIssuer}
	tap := autoTapFunc(func(string) error { return nil })
	if _, err := New(Config{Server: fs, Bridge: &fakeBridge{}, DevAutoTap: true, AutoTapper: tap}); !errors.Is(err, ErrAutoTapNeedsDev) {
		t.Errorf("DevAutoTap without Dev: %v, want ErrAutoTapNeedsDev", err)
	}
	if _, err := New(Config{Server: fs, Bridge: &fakeBridge{}, Dev: true, DevAutoTap: true}); !errors.Is(err, ErrAutoTapNeedsTapper) {
		t.Errorf("DevAutoTap without tapper: %v", err)
	}
	if _, err := New(Config{Server: fs, Bridge: &fakeBridge{}, Dev: true, DevAutoTap: true, AutoTapper: tap}); err != nil {
		t.Errorf("dev auto-tap refused: %v", err)
	}
}

type autoTapFunc func(link string) error

func (f autoTapFunc) AutoTap(_ context.Context, link string) error { return f(link) }

func TestIssuerWithPath(t *testing.T) {
	e := newEnvIssuer(t, "https://id.example.jp/idp", nil)
	if rec := e.get("/login?id=req1"); rec.Code != http.StatusNotFound {
		t.Errorf("page served outside the issuer path: %d", rec.Code)
	}
	p := e.openLogin("/idp/login?id=req1")
	for _, want := range []string{`action="/idp/login/continue"`, `action="/idp/login"`, `data-events="/idp/bridge/v1/tx/`,
		`href="https://id.example.jp/idp/bridge/v1/tx/`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if p.cookie == nil || p.cookie.Name != "__Host-inkan-login-csrf" || !p.cookie.Secure || p.cookie.Path != "/" {
		t.Errorf("CSRF cookie on https: %+v", p.cookie)
	}
	if next := p.data["data-next"]; next != "https://id.example.jp/idp/authorize/callback?id=req1" {
		t.Errorf("data-next %q", next)
	}
	if next := e.openLogin("/idp/login?id=req-consent").data["data-next"]; next != "/idp/login/consent?id=req-consent" {
		t.Errorf("data-next with consent %q", next)
	}
	e.srv.setDone("req1")
	if rec := e.post("/idp/login/continue", p.form, p.cookie); rec.Code != http.StatusSeeOther {
		t.Errorf("continue: %d", rec.Code)
	}
	e.srv.setDone("req-consent")
	if rec := e.get("/idp/login?id=req-consent"); rec.Header().Get("Location") != "/idp/login/consent?id=req-consent" {
		t.Errorf("consent redirect %q", rec.Header().Get("Location"))
	}
}

// TestLoginUsesRequestTransaction: the transaction /authorize created
// with the request serves the first view and reloads without a new
// write; "start again" (new=1) and one with less than minFreshTx left
// get a new one.
func TestLoginUsesRequestTransaction(t *testing.T) {
	e := newEnv(t, nil)
	pre, err := e.bridge.Create(context.Background(), "req1", protocol.PurposeAuth, protocol.RelyingParty{ClientID: "bank", Name: "デモ銀行"})
	if err != nil {
		t.Fatal(err)
	}
	e.bridge.creates = nil
	e.srv.infos["req1"].Tx = pre

	for range 2 { // first view, then a reload
		p := e.openLogin("/login?id=req1")
		if len(e.bridge.creates) != 0 {
			t.Fatalf("%d transactions created, want the request's own", len(e.bridge.creates))
		}
		if p.form.Get("tx") != pre.ID || p.form.Get("bt") != pre.BrowserToken || !strings.Contains(p.body, `id="bridge-link" href="`+pre.Link+`"`) {
			t.Fatalf("page does not show the request's transaction: form %v", p.form)
		}
	}

	// The restart form asks for a new one.
	restart := regexp.MustCompile(`(?s)<form id="restart".*?</form>`).FindString(e.openLogin("/login?id=req1").body)
	if !strings.Contains(restart, `name="new" value="1"`) {
		t.Fatalf("restart form: %s", restart)
	}
	p := e.openLogin("/login?id=req1&new=1")
	if len(e.bridge.creates) != 1 || p.form.Get("tx") == pre.ID {
		t.Fatalf("start again: %d created, tx %s", len(e.bridge.creates), p.form.Get("tx"))
	}

	// Too little life left: a new one.
	old := *pre
	old.ExpiresAt = testNow.Add(minFreshTx - time.Second)
	e.srv.infos["req1"].Tx = &old
	if p := e.openLogin("/login?id=req1"); len(e.bridge.creates) != 2 || p.form.Get("tx") == pre.ID {
		t.Fatalf("stale: %d created, tx %s", len(e.bridge.creates), p.form.Get("tx"))
	}
}

// Every page of a request refuses a browser other than the one that
// started it, and shows nothing of it: no link, no transaction, no
// consent.
func TestOtherBrowserRefused(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.foreign = map[string]bool{"req1": true, "req-consent": true}
	for _, target := range []string{"/login?id=req1", "/login?id=req1&new=1", "/login/consent?id=req-consent"} {
		rec := e.get(target)
		body := rec.Body.String()
		if rec.Code != http.StatusForbidden || strings.Contains(body, "bridge-link") || strings.Contains(body, "/bridge/v1/tx/") {
			t.Errorf("GET %s from another browser: %d\n%s", target, rec.Code, body)
		}
		if !strings.Contains(body, "別のブラウザー") {
			t.Errorf("GET %s: the page does not say why", target)
		}
	}
	if n := len(e.bridge.creates); n != 0 {
		t.Errorf("%d transactions created for another browser", n)
	}
}
