package app_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// The browser tests drive a real headless Chromium through the dev pages,
// as a newcomer trying `inkan serve --dev` would: the demo bank, the login
// page, the virtual phone, consent, and back to the demo bank's claims.
// They need Debian's chromium; without it they skip, unless
// INKAN_REQUIRE_CHROMIUM=1 makes that a failure.

// browserTimeout bounds one browser test, start of Chromium included, so
// that a page that never moves on fails the test instead of hanging it.
const browserTimeout = 60 * time.Second

// chromium returns the browser to run, or skips the test without one.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("INKAN_REQUIRE_CHROMIUM") == "1" {
		t.Fatal("chromium is not installed, and INKAN_REQUIRE_CHROMIUM=1 requires it")
	}
	t.Skip("chromium is not installed (INKAN_REQUIRE_CHROMIUM=1 makes this a failure)")
	return ""
}

// newBrowser starts the headless Chromium exe with a fresh profile and
// returns the context of its first tab. acceptLang picks the pages' language the
// way a user's browser settings would.
//
// The returned context ends after browserTimeout, so that a page that
// never moves on fails the actions with a deadline; the browser itself is
// killed a little later at the latest, should it hang on its own.
//
// Start the provider first: cleanups run last first, and the browser must
// go before the provider, whose Close waits for open requests such as the
// login page's event stream.
func newBrowser(t *testing.T, exe, acceptLang string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		// Chromium's own temporary files (its singleton socket, shared
		// memory) go with the test too, not into /tmp.
		chromedp.Env("TMPDIR="+t.TempDir()),
		// Tests run as root in containers, where the sandbox cannot start.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		// The network is closed: no calls home, only the loopback provider.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("accept-lang", acceptLang),
		chromedp.WindowSize(1024, 768),
	)
	life, cancelLife := context.WithTimeout(context.Background(), browserTimeout+10*time.Second)
	t.Cleanup(cancelLife)
	actx, cancelAlloc := chromedp.NewExecAllocator(life, opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf))
	// Cleanups run last first: the browser closes, and Chromium exits,
	// before the profile directory is removed.
	t.Cleanup(cancelBrowser)
	// The first call starts the browser, whose life is that call's context.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	ctx, cancel := context.WithTimeout(bctx, browserTimeout)
	t.Cleanup(cancel)
	return ctx
}

// do runs browser steps on the tab of ctx and fails the test with what it
// was doing, and where, when they fail (a timeout included).
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v (page %s)", what, err, location(ctx))
	}
}

// get runs one browser action on the tab of ctx and returns its value.
func get[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v (page %s)", what, err, location(ctx))
	}
	return v
}

// location is the tab's URL, for failure messages.
func location(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	where, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "unknown"
	}
	return where
}

// attr reads an attribute of the first element matching the CSS selector.
func attr(t *testing.T, ctx context.Context, sel, name string) string {
	t.Helper()
	return get(t, ctx, "read "+sel+" "+name, chromedp.AttributeValue(chromedp.CSS(sel), name)).Value
}

// here is the tab's URL.
func here(t *testing.T, ctx context.Context) *url.URL {
	t.Helper()
	u, err := url.Parse(get(t, ctx, "location", chromedp.Location()))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// screenshotTimeout bounds one screenshot.
const screenshotTimeout = 15 * time.Second

// screenshot saves the whole page as PNG in the test's temporary
// directory, and also into the directory $INKAN_SCREENSHOTS when that is
// set, to keep as an artifact and look at.
//
// A screenshot is an artifact, not a check: Chromium's full-page capture
// has been seen to hang on a page that had finished loading (once in some
// tens of runs), so it gets a bound of its own and a miss is only logged.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, screenshotTimeout)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		t.Logf("screenshot %s not taken: %v (page %s)", name, err, location(ctx))
		return
	}
	if err := os.WriteFile(filepath.Join(t.TempDir(), name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("INKAN_SCREENSHOTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, t.Name()+"-"+name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// loginPage goes from the demo bank's home to the provider's login page
// and checks what a user needs there: the page's language, the QR code and
// the bridge link. It returns the bridge link and the virtual phone's URL.
func loginPage(t *testing.T, ctx context.Context, e *env, lang string) (link, phone string) {
	t.Helper()
	do(t, ctx, "demo bank home",
		chromedp.Navigate(e.issuer+"/demo"),
		chromedp.WaitVisible(chromedp.ID("signin")),
		chromedp.Click(chromedp.ID("signin")),
	)
	do(t, ctx, "login page",
		chromedp.WaitVisible(chromedp.CSS("a#bridge-link")),
		chromedp.WaitVisible(chromedp.CSS(".qr svg")),
	)
	// /authorize answers with the login page itself.
	page := here(t, ctx)
	if page.Path != "/authorize" {
		t.Fatalf("Sign in led to %s, want the login page at /authorize", page)
	}
	if got := attr(t, ctx, "html", "lang"); got != lang {
		t.Errorf("login page <html lang=%q>, want %q (Accept-Language %s)", got, lang, lang)
	}
	if attr(t, ctx, ".qr svg", "aria-label") == "" {
		t.Error("the QR code has no aria-label")
	}
	link = attr(t, ctx, "a#bridge-link", "href")
	if text := get(t, ctx, "link text", chromedp.Text(chromedp.CSS("a#bridge-link"))); text != link {
		t.Errorf("bridge link text %q, href %q", text, link)
	}
	if !strings.HasPrefix(link, e.issuer+"/") {
		t.Errorf("bridge link %q is not under the issuer %s", link, e.issuer)
	}
	// The page links the phone by path; resolve it as the browser does.
	href := attr(t, ctx, "a#dev-phone", "href")
	ref, err := url.Parse(href)
	if err != nil {
		t.Fatalf("virtual phone link %q: %v", href, err)
	}
	u := page.ResolveReference(ref)
	if u.Path != "/dev/phone" || u.Query().Get("link") != link {
		t.Errorf("virtual phone link %q does not carry the bridge link %q", href, link)
	}
	screenshot(t, ctx, "login")
	return link, u.String()
}

// tapPhone types the PIN on the virtual phone in the tab of ctx, which
// shows the phone page for link, and taps the card.
func tapPhone(t *testing.T, ctx context.Context, link string) {
	t.Helper()
	do(t, ctx, "virtual phone", chromedp.WaitVisible(chromedp.ID("pin")))
	if got := get(t, ctx, "link field", chromedp.Value(chromedp.ID("link"))); got != link {
		t.Errorf("the phone's link field holds %q, want the login page's %q", got, link)
	}
	if asker := get(t, ctx, "request", chromedp.Text(chromedp.ID("rp"))); !strings.Contains(asker, "Inkan demo bank") {
		t.Errorf("the phone shows the request as %q, want the demo bank asking", asker)
	}
	screenshot(t, ctx, "phone")
	do(t, ctx, "tap the card",
		chromedp.SendKeys(chromedp.ID("pin"), "1234"),
		chromedp.Click(chromedp.CSS(".phone form button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("outcome")),
	)
	if text := get(t, ctx, "outcome", chromedp.Text(chromedp.ID("outcome"))); !strings.HasPrefix(strings.TrimSpace(text), "Done:") {
		t.Fatalf("the phone says %q (outcome %q), want done", text, attr(t, ctx, "#outcome", "data-outcome"))
	}
}

// consentAndClaims allows on the consent page in the tab of ctx and checks
// the demo bank's claims page that follows.
func consentAndClaims(t *testing.T, ctx context.Context, lang string) {
	t.Helper()
	do(t, ctx, "consent page", chromedp.WaitVisible(chromedp.CSS("#consent button[value=allow]")))
	if p := here(t, ctx).Path; p != "/login/consent" {
		t.Fatalf("after the card the login tab is at %s, want the consent page", p)
	}
	if got := attr(t, ctx, "html", "lang"); got != lang {
		t.Errorf("consent page <html lang=%q>, want %q", got, lang)
	}
	if got := attr(t, ctx, "ul.scopes li", "data-scope"); got != "openid" {
		t.Errorf("consent lists %q first, want openid", got)
	}
	screenshot(t, ctx, "consent")

	do(t, ctx, "allow",
		chromedp.Click(chromedp.CSS("#consent button[value=allow]")),
		chromedp.WaitVisible(chromedp.ID("idtoken-claims")),
	)
	if p := here(t, ctx).Path; p != "/demo/callback" {
		t.Errorf("Allow led to %s, want the demo bank's callback", p)
	}
	idToken := claims(t, ctx, "idtoken-claims")
	userinfo := claims(t, ctx, "userinfo-claims")
	if got := idToken["acr"]; got != "urn:inkan:acr:jpki-card" {
		t.Errorf("ID token acr %q, want urn:inkan:acr:jpki-card (claims %v)", got, idToken)
	}
	if !strings.Contains(idToken["amr"], "hwk") {
		t.Errorf("ID token amr %q, want hwk among them", idToken["amr"])
	}
	if idToken["sub"] == "" || idToken["auth_time"] == "" || idToken["aud"] != "demo" {
		t.Errorf("ID token claims %v: want sub, auth_time and aud demo", idToken)
	}
	if userinfo["sub"] != idToken["sub"] {
		t.Errorf("userinfo sub %q, ID token sub %q", userinfo["sub"], idToken["sub"])
	}
	screenshot(t, ctx, "claims")
}

// claims reads one of the claims page's tables as name → value, the cells'
// text as the user reads it. It reads the DOM through the protocol, not
// the page's scripts, so it also works with scripts off.
func claims(t *testing.T, ctx context.Context, table string) map[string]string {
	t.Helper()
	sel := "#" + table + " tbody tr"
	names := get(t, ctx, "claim names", chromedp.Nodes(chromedp.CSSAll(sel+" th")))
	values := get(t, ctx, "claim values", chromedp.Nodes(chromedp.CSSAll(sel+" td")))
	if len(names) != len(values) || len(names) == 0 {
		t.Fatalf("table %s: %d names, %d values", table, len(names), len(values))
	}
	out := make(map[string]string, len(names))
	for i := range names {
		name := get(t, ctx, "claim name", chromedp.TextContent(chromedp.NodeIDs{names[i].NodeID}))
		out[name] = get(t, ctx, "claim value", chromedp.TextContent(chromedp.NodeIDs{values[i].NodeID}))
	}
	return out
}

// TestBrowserLogin signs in at the demo bank with a real browser: the
// login page, the virtual phone in a second tab (opened by the login
// page's link), and the login tab moving on to consent by itself when the
// card is done (server-sent events), straight to the page's data-next
// without the Continue form and without leaving the login page in the
// tab's history, then the claims the bank received.
func TestBrowserLogin(t *testing.T) {
	exe := chromium(t)
	e := start(t, nil)
	ctx := newBrowser(t, exe, "ja")
	// The login page learns that the card is done from its event stream;
	// record what the stream brings, and the tab's POSTs.
	var mu sync.Mutex
	var states, posts []string
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *network.EventEventSourceMessageReceived:
			var st struct {
				State string `json:"state"`
			}
			json.Unmarshal([]byte(ev.Data), &st)
			mu.Lock()
			states = append(states, st.State)
			mu.Unlock()
		case *network.EventRequestWillBeSent:
			if ev.Request.Method == "POST" {
				mu.Lock()
				posts = append(posts, ev.Request.URL)
				mu.Unlock()
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	link, phone := loginPage(t, ctx, e, "ja")
	// The demo bank asks for verified_claims: consent is expected.
	if next := attr(t, ctx, "#login-data", "data-next"); !strings.HasPrefix(next, "/login/consent?id=") {
		t.Errorf("login page data-next %q, want the consent page", next)
	}

	// The dev link opens the phone in a new tab, as for a user.
	opened := chromedp.WaitNewTarget(ctx, func(info *target.Info) bool {
		return strings.Contains(info.URL, "/dev/phone")
	})
	do(t, ctx, "open the virtual phone", chromedp.Click(chromedp.ID("dev-phone")))
	var id target.ID
	select {
	case id = <-opened:
	case <-ctx.Done():
	}
	if id == "" {
		t.Fatalf("the virtual phone link %s opened no tab", phone)
	}
	phoneTab, closeTab := chromedp.NewContext(ctx, chromedp.WithTargetID(id))
	defer closeTab()
	tapPhone(t, phoneTab, link)

	// Nobody touches the login tab: it moves on to consent by itself,
	// replacing the login page in the tab's history.
	do(t, ctx, "consent page", chromedp.WaitVisible(chromedp.CSS("#consent button[value=allow]")))
	history, err := chromedp.Call(ctx, page.GetNavigationHistory, cdp.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range history.Entries {
		if u, err := url.Parse(h.URL); err == nil && (u.Path == "/login" || u.Path == "/authorize") {
			t.Errorf("the login page stayed in the history (%s): Back would return to it", h.URL)
		}
	}
	consentAndClaims(t, ctx, "ja")
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(states, "done") {
		t.Errorf("the login page's event stream brought states %q, want done (did it poll instead?)", states)
	}
	for _, p := range posts {
		if strings.Contains(p, "/login/continue") {
			t.Errorf("the script posted the Continue form (%s) rather than going to data-next", p)
		}
	}
}

// TestBrowserLoginWithoutJavaScript is the same sign-in with scripts off:
// the login page stays put after the card, and its Continue button moves
// on.
func TestBrowserLoginWithoutJavaScript(t *testing.T) {
	exe := chromium(t)
	e := start(t, nil)
	ctx := newBrowser(t, exe, "en")
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	link, phone := loginPage(t, ctx, e, "en")

	// The server's "about N min left" stays: the script, which would turn
	// it into an m:ss countdown at once, does not run.
	if got := get(t, ctx, "expiry", chromedp.Text(chromedp.ID("remaining"))); got == "" || strings.Contains(got, ":") {
		t.Errorf("remaining time %q, want the server's text (is the script running?)", got)
	}

	phoneTab, closeTab := chromedp.NewContext(ctx)
	defer closeTab()
	do(t, phoneTab, "open the virtual phone", chromedp.Navigate(phone))
	tapPhone(t, phoneTab, link)

	if p := here(t, ctx).Path; p != "/authorize" {
		t.Fatalf("before Continue the login tab is at %s, want the login page", p)
	}
	do(t, ctx, "continue", chromedp.Click(chromedp.CSS("#continue button[type=submit]")))
	consentAndClaims(t, ctx, "en")
}
