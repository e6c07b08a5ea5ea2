package login

import (
	"encoding/xml"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/inkan-id/inkan/mobile-bridge/protocol"
	"github.com/inkan-id/inkan/provider/server"
)

func TestContinue(t *testing.T) {
	tests := []struct {
		name     string
		id       string
		state    protocol.Status
		done     bool
		status   int
		location string
		want     string
	}{
		{"done, callback", "req1", protocol.Status{State: protocol.StateDone}, true, http.StatusSeeOther, testIssuer + "/authorize/callback?id=req1", ""},
		{"done, consent", "req-consent", protocol.Status{State: protocol.StateDone}, true, http.StatusSeeOther, "/login/consent?id=req-consent&lang=ja", ""},
		{"pending", "req1", protocol.Status{State: protocol.StatePending}, false, http.StatusOK, "", "カードの操作がまだ完了していません"},
		{"pending after a rejected answer", "req1", protocol.Status{State: protocol.StatePending, Error: protocol.NewError(protocol.CodeBadSignature).WithRetry(true)}, false, http.StatusOK, "", "カードを確認できませんでした"},
		{"bridge done, request lagging", "req1", protocol.Status{State: protocol.StateDone}, false, http.StatusOK, "", "もう一度「次へ進む」"},
		{"failed", "req1", protocol.Status{State: protocol.StateFailed, Error: protocol.NewError(protocol.CodeTooManyAttempts)}, false, http.StatusOK, "", "失敗が続いたため"},
		{"expired", "req1", protocol.Status{State: protocol.StateExpired, Error: protocol.NewError(protocol.CodeExpired)}, false, http.StatusOK, "", "時間切れになりました"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			p := e.openLogin("/login?id=" + tt.id)
			e.bridge.set(p.form.Get("tx"), tt.state)
			if tt.done {
				e.srv.setDone(tt.id)
			}
			rec := e.post("/login/continue", p.form, p.cookie)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d\n%s", rec.Code, tt.status, rec.Body)
			}
			if loc := rec.Header().Get("Location"); loc != tt.location {
				t.Errorf("Location %q, want %q", loc, tt.location)
			}
			body := rec.Body.String()
			if !strings.Contains(body, tt.want) {
				t.Errorf("body lacks %q", tt.want)
			}
			checkSecurityHeaders(t, rec)
			if tt.status != http.StatusOK {
				return
			}
			final := tt.state.State == protocol.StateFailed || tt.state.State == protocol.StateExpired
			if final == strings.Contains(body, `id="bridge-link"`) {
				t.Errorf("final=%v but bridge link shown=%v", final, !final)
			}
			if !strings.Contains(body, `<form id="restart"`) {
				t.Error("no start-again button")
			}
			if !final && !strings.Contains(body, `href="`+p.form.Get("link")+`"`) {
				t.Error("waiting page lost its link")
			}
			// The script's way on: present while waiting, gone with the
			// script on a final page.
			if rp := pageOf(t, rec); final != (rp.data == nil) || !final && rp.data["data-next"] != testIssuer+"/authorize/callback?id="+tt.id {
				t.Errorf("final=%v, #login-data %v", final, rp.data)
			}
			if len(e.bridge.creates) != 1 {
				t.Error("Continue created a transaction")
			}
		})
	}
}

// TestNext: the login page gives its script, as data-next, where the
// Continue form would send a done login: the consent page (by path,
// keeping an explicit language) when consent is expected, else the
// callback. Followed once the card step is done, it reaches the consent
// page in the login page's language, or, when consent turns out not to be
// needed after all, the callback.
func TestNext(t *testing.T) {
	tests := []struct {
		name, target, accept string
		next                 string // "" for the request's callback
		needsNone            bool   // the login turns out to need no consent
		lang                 string // of the login page, and of consent
	}{
		{"no consent", "/login?id=req1", "", "", false, "ja"},
		{"no consent, English by ui_locales", "/login?id=req-en", "", "", false, "en"},
		{"consent", "/login?id=req-consent", "", "/login/consent?id=req-consent", false, "ja"},
		{"consent, English by Accept-Language", "/login?id=req-consent", "en-GB,en;q=0.8", "/login/consent?id=req-consent", false, "en"},
		{"consent, explicit English", "/login?id=req-consent&lang=en", "ja", "/login/consent?id=req-consent&lang=en", false, "en"},
		{"consent, explicit Japanese", "/login?id=req-consent&lang=ja", "en", "/login/consent?id=req-consent&lang=ja", false, "ja"},
		{"consent, bad explicit ignored", "/login?id=req-consent&lang=xx", "", "/login/consent?id=req-consent", false, "ja"},
		{"consent expected, none needed", "/login?id=req-consent", "", "/login/consent?id=req-consent", true, "ja"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			rec := e.get(tt.target, "Accept-Language", tt.accept)
			if rec.Code != http.StatusOK {
				t.Fatalf("login page: %d", rec.Code)
			}
			p := pageOf(t, rec)
			id := p.form.Get("id")
			callback := e.srv.infos[id].CallbackURL
			want := tt.next
			if want == "" {
				want = callback
			}
			if next, ok := p.data["data-next"]; !ok || next != want {
				t.Fatalf("data-next %q (present %v), want %q", next, ok, want)
			}
			if !strings.Contains(p.body, `<html lang="`+tt.lang+`">`) {
				t.Errorf("login page not in %s", tt.lang)
			}
			if tt.next == "" {
				return // the callback is the core's
			}
			// The card step is done: follow data-next as the script does.
			e.srv.mu.Lock()
			e.srv.infos[id].Done = true
			e.srv.infos[id].ConsentRequired = !tt.needsNone
			e.srv.mu.Unlock()
			got := e.get(p.data["data-next"], "Accept-Language", tt.accept)
			if tt.needsNone {
				if got.Code != http.StatusSeeOther || got.Header().Get("Location") != callback {
					t.Errorf("consent page: %d to %q, want 303 to the callback", got.Code, got.Header().Get("Location"))
				}
				return
			}
			if got.Code != http.StatusOK || !strings.Contains(got.Body.String(), `value="allow"`) {
				t.Fatalf("consent page: %d", got.Code)
			}
			if !strings.Contains(got.Body.String(), `<html lang="`+tt.lang+`">`) {
				t.Errorf("consent page not in %s, as the login page was", tt.lang)
			}
		})
	}
}

func TestContinueBadForms(t *testing.T) {
	e := newEnv(t, nil)
	p := e.openLogin("/login?id=req1")
	other := e.openLogin("/login?id=req-en")
	foreign, _ := protocol.NewLink("https://evil.example", p.form.Get("tx"), strings.Repeat("A", protocol.SecretLen))
	tests := []struct {
		name   string
		mod    func(url.Values)
		status int
	}{
		{"link of another transaction", func(f url.Values) { f.Set("link", other.form.Get("link")) }, http.StatusBadRequest},
		{"link of another issuer", func(f url.Values) { f.Set("link", foreign.String()) }, http.StatusBadRequest},
		{"not a link", func(f url.Values) { f.Set("link", "javascript:alert(1)") }, http.StatusBadRequest},
		{"no token", func(f url.Values) { f.Del("bt") }, http.StatusBadRequest},
		{"wrong token", func(f url.Values) { f.Set("bt", other.form.Get("bt")) }, http.StatusOK}, // shown as expired
		{"unknown request", func(f url.Values) { f.Set("id", "nope") }, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := url.Values{}
			for k, v := range p.form {
				f[k] = append([]string(nil), v...)
			}
			tt.mod(f)
			rec := e.post("/login/continue", f, p.cookie)
			if rec.Code != tt.status {
				t.Errorf("status %d, want %d\n%s", rec.Code, tt.status, rec.Body)
			}
			if strings.Contains(rec.Body.String(), "evil.example") || strings.Contains(rec.Body.String(), "javascript:") {
				t.Error("posted link echoed")
			}
		})
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.setDone("req-consent")
	p := e.openLogin("/login?id=req1")
	page := e.get("/login/consent?id=req-consent")
	cp := pageOf(t, page)
	consentForm := url.Values{"id": {"req-consent"}, "decision": {"allow"}, "csrf": {csrfOf(t, page.Body.String())}}
	if cp.cookie == nil {
		t.Fatal("consent page set no CSRF cookie")
	}
	other := &http.Cookie{Name: cp.cookie.Name, Value: strings.Repeat("A", 43)}
	tests := []struct {
		name   string
		target string
		form   url.Values
		cookie *http.Cookie
		header [2]string
	}{
		{"continue without cookie", "/login/continue", p.form, nil, [2]string{}},
		{"continue without field", "/login/continue", without(p.form, "csrf"), p.cookie, [2]string{}},
		{"continue with another cookie", "/login/continue", p.form, other, [2]string{}},
		{"continue from another site", "/login/continue", p.form, p.cookie, [2]string{"Sec-Fetch-Site", "cross-site"}},
		{"consent without cookie", "/login/consent", consentForm, nil, [2]string{}},
		{"consent with wrong field", "/login/consent", with(consentForm, "csrf", "x"), cp.cookie, [2]string{}},
		{"consent with malformed cookie", "/login/consent", with(consentForm, "csrf", "short"), &http.Cookie{Name: cp.cookie.Name, Value: "short"}, [2]string{}},
		{"consent from another origin", "/login/consent", consentForm, cp.cookie, [2]string{"Origin", "https://evil.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptestPost(tt.target, tt.form)
			if tt.cookie != nil {
				req.AddCookie(tt.cookie)
			}
			if tt.header[0] != "" {
				req.Header.Set(tt.header[0], tt.header[1])
			}
			before := e.bridge.statusCalls
			rec := e.do(req)
			if rec.Code != http.StatusForbidden {
				t.Fatalf("status %d, want 403", rec.Code)
			}
			if len(e.srv.consents) != 0 || e.bridge.statusCalls != before {
				t.Error("a refused form reached the server or bridge")
			}
			if !strings.Contains(rec.Body.String(), "安全のため") {
				t.Error("no explanation")
			}
			checkSecurityHeaders(t, rec)
		})
	}
	// The same forms with the right cookie pass.
	if rec := e.post("/login/consent", consentForm, cp.cookie); rec.Code != http.StatusSeeOther {
		t.Errorf("valid consent: %d", rec.Code)
	}
}

func TestConsent(t *testing.T) {
	for _, tt := range []struct {
		decision string
		granted  bool
	}{{"allow", true}, {"deny", false}} {
		t.Run(tt.decision, func(t *testing.T) {
			e := newEnv(t, nil)
			e.srv.setDone("req-consent")
			page := e.get("/login/consent?id=req-consent&lang=en")
			if page.Code != http.StatusOK {
				t.Fatalf("GET consent: %d", page.Code)
			}
			body := page.Body.String()
			for _, want := range []string{"An identifier for this service only", "Your name, address, date of birth and gender",
				"signature certificate", `value="allow"`, `value="deny"`, "デモ銀行", `<html lang="en">`} {
				if !strings.Contains(body, want) {
					t.Errorf("consent page lacks %q", want)
				}
			}
			checkSecurityHeaders(t, page)
			p := pageOf(t, page)
			form := url.Values{"id": {"req-consent"}, "decision": {tt.decision}, "csrf": {csrfOf(t, body)}}
			rec := e.post("/login/consent", form, p.cookie)
			if rec.Code != http.StatusSeeOther {
				t.Fatalf("POST: %d\n%s", rec.Code, rec.Body)
			}
			want := testIssuer + "/next?granted=" + map[bool]string{true: "true", false: "false"}[tt.granted]
			if loc := rec.Header().Get("Location"); loc != want {
				t.Errorf("Location %q, want %q", loc, want)
			}
			if len(e.srv.consents) != 1 || e.srv.consents[0] != (consentCall{"req-consent", tt.granted}) {
				t.Errorf("Consent calls %v", e.srv.consents)
			}
		})
	}
}

func TestConsentEdges(t *testing.T) {
	e := newEnv(t, nil)
	// Not logged in yet: back to the login page, nothing recorded.
	if rec := e.get("/login/consent?id=req-consent"); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login?id=req-consent" {
		t.Errorf("consent before login: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	e.srv.setDone("req-consent")
	e.srv.setDone("req1")
	// No consent needed: straight to the callback.
	if rec := e.get("/login/consent?id=req1"); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != testIssuer+"/authorize/callback?id=req1" {
		t.Errorf("consent not needed: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	page := e.get("/login/consent?id=req-consent")
	p := pageOf(t, page)
	for _, d := range []string{"", "maybe", "ALLOW"} {
		form := url.Values{"id": {"req-consent"}, "decision": {d}, "csrf": {csrfOf(t, page.Body.String())}}
		if rec := e.post("/login/consent", form, p.cookie); rec.Code != http.StatusBadRequest {
			t.Errorf("decision %q: %d, want 400", d, rec.Code)
		}
	}
	e.srv.consentErr = server.ErrUnknownRequest
	form := url.Values{"id": {"req-consent"}, "decision": {"allow"}, "csrf": {csrfOf(t, page.Body.String())}}
	if rec := e.post("/login/consent", form, p.cookie); rec.Code != http.StatusBadRequest {
		t.Errorf("Consent unknown: %d, want 400", rec.Code)
	}
	if len(e.srv.consents) != 1 {
		t.Errorf("Consent called %d times, want 1 (only the valid decision)", len(e.srv.consents))
	}
}

func TestDevAutoTap(t *testing.T) {
	var e *env
	var tapped []string
	e = newEnv(t, func(c *Config) {
		c.Dev, c.DevAutoTap = true, true
		c.AutoTapper = autoTapFunc(func(link string) error {
			tapped = append(tapped, link)
			l, err := protocol.ParseLink(link)
			if err != nil {
				return err
			}
			e.bridge.set(l.ID, protocol.Status{State: protocol.StateDone})
			e.srv.setDone(e.bridge.creates[len(e.bridge.creates)-1].Binding)
			return nil
		})
	})
	rec := e.get("/login?id=req-consent")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login/consent?id=req-consent" {
		t.Fatalf("auto-tap: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	if len(tapped) != 1 {
		t.Fatalf("tapped %d links", len(tapped))
	}
	page := e.get("/login/consent?id=req-consent")
	if !strings.Contains(page.Body.String(), "card step completed automatically (dev)") {
		t.Error("consent page does not say the card step was automatic")
	}
}

func TestQRSVG(t *testing.T) {
	link := "https://id.example.jp/bridge/v1/tx/" + strings.Repeat("A", protocol.IDLen) + "#" + strings.Repeat("B", protocol.SecretLen)
	svg, err := qrSVG(link, `QR "code" <for> you`)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName xml.Name `xml:"svg"`
		ViewBox string   `xml:"viewBox,attr"`
		Role    string   `xml:"role,attr"`
		Label   string   `xml:"aria-label,attr"`
		Path    struct {
			D string `xml:"d,attr"`
		} `xml:"path"`
	}
	d := xml.NewDecoder(strings.NewReader(string(svg)))
	d.Strict = true
	if err := d.Decode(&doc); err != nil {
		t.Fatalf("not well-formed XML: %v", err)
	}
	if _, err := d.Token(); err != io.EOF {
		t.Errorf("trailing content after </svg>: %v", err)
	}
	if doc.Role != "img" || doc.Label != `QR "code" <for> you` {
		t.Errorf("role %q label %q", doc.Role, doc.Label)
	}
	// Redraw the modules from the path and compare with the encoder
	// (TestQREncodeMatchesGoQRCode checks the encoder itself).
	m, ok := qrEncode(link)
	if !ok {
		t.Fatal("a bridge link does not fit qrEncode")
	}
	want := make([][]bool, m.size)
	for y := range want {
		want[y] = make([]bool, m.size)
		for x := range want[y] {
			want[y][x] = m.dark(x, y)
		}
	}
	size := len(want) + 2*quietZone
	if doc.ViewBox != "0 0 "+itoa(size)+" "+itoa(size) {
		t.Errorf("viewBox %q for %d modules", doc.ViewBox, size)
	}
	got := make([][]bool, size)
	for i := range got {
		got[i] = make([]bool, size)
	}
	for _, run := range strings.Split(doc.Path.D, "z")[:strings.Count(doc.Path.D, "z")] {
		var x, y, w, w2 int
		if _, err := sscanf(run, "M%d %dh%dv1h-%d", &x, &y, &w, &w2); err != nil || w != w2 {
			t.Fatalf("run %q: %v", run, err)
		}
		for i := x; i < x+w; i++ {
			got[y][i] = true
		}
	}
	for y := range size {
		for x := range size {
			inner := x >= quietZone && y >= quietZone && x < size-quietZone && y < size-quietZone
			w := inner && want[y-quietZone][x-quietZone]
			if got[y][x] != w {
				t.Fatalf("module (%d,%d) = %v, want %v (quiet zone %v)", x, y, got[y][x], w, !inner)
			}
		}
	}
}

// TestQREncodeMatchesGoQRCode holds qrEncode to go-qrcode, module for
// module: for contents of every length qrEncode takes (versions 1 to 10),
// go-qrcode's symbol must be qrEncode's with the mask go-qrcode chose, and
// the masks seen must include qrMask. Lowercase letters keep go-qrcode in
// byte mode, the only mode qrEncode writes.
func TestQREncodeMatchesGoQRCode(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[int]bool{}
	maxLen := 0
	for n := 1; ; n++ {
		content := make([]byte, n)
		for i := range content {
			content[i] = byte('a' + rng.IntN(26))
		}
		if _, ok := qrEncode(string(content)); !ok {
			break
		}
		maxLen = n
		q, err := qrcode.New(string(content), qrcode.Medium)
		if err != nil {
			t.Fatal(err)
		}
		q.DisableBorder = true
		want := q.Bitmap()
		found := -1
		for mask := range 8 {
			m, _ := qrEncodeMask(string(content), mask)
			if m.size != len(want) {
				t.Fatalf("length %d: %d modules, go-qrcode %d", n, m.size, len(want))
			}
			same := true
			for y := 0; y < m.size && same; y++ {
				for x := 0; x < m.size; x++ {
					if m.dark(x, y) != want[y][x] {
						same = false
						break
					}
				}
			}
			if same {
				found = mask
				break
			}
		}
		if found < 0 {
			t.Fatalf("length %d: no mask gives go-qrcode's symbol", n)
		}
		seen[found] = true
	}
	if maxLen != 213 {
		t.Errorf("qrEncode takes up to %d bytes, want 213 (version 10-M)", maxLen)
	}
	if !seen[qrMask] {
		t.Errorf("go-qrcode never chose mask %d in the samples; masks seen %v", qrMask, seen)
	}
	// Longer content still renders, through go-qrcode.
	if _, err := qrSVG(strings.Repeat("x", 400), "long"); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkQRSVG(b *testing.B) {
	link := "https://id.example.jp/bridge/v1/tx/" + strings.Repeat("A", protocol.IDLen) + "#" + strings.Repeat("B", protocol.SecretLen)
	for b.Loop() {
		if _, err := qrSVG(link, "QR"); err != nil {
			b.Fatal(err)
		}
	}
}
