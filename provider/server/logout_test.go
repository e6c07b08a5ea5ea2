package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// loggedIn returns a browser with a session at the provider and the ID
// token the web client got for it.
func loggedIn(t *testing.T, e *env) (*browser, string) {
	t.Helper()
	b := e.browser()
	p := newPKCE()
	code, _ := b.login(authParams("web", rpRedirect, p), e.card())
	st, body := e.exchange(code, rpRedirect, p.verifier)
	if st != http.StatusOK {
		t.Fatalf("exchange: %d %v", st, body)
	}
	return b, body["id_token"].(string)
}

// signedIn reports whether b still has a session: prompt=none goes to the
// callback instead of failing with login_required.
func signedIn(b *browser) bool {
	v := authParams("web", rpRedirect, newPKCE())
	v.Set("prompt", "none")
	return location(b.authorize(v)).Path == pathCallback
}

// startLogout sends b to the end_session endpoint with q and returns
// where it was sent.
func startLogout(t *testing.T, e *env, b *browser, q url.Values) *url.URL {
	t.Helper()
	resp := b.get(e.issuer + pathEndSession + "?" + q.Encode())
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("end_session: status %d", resp.StatusCode)
	}
	return location(resp)
}

// page GETs u and returns the status and body.
func (b *browser) page(u string) (int, string) {
	b.e.t.Helper()
	resp, err := b.c.Get(u)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// confirm POSTs the confirmation form with sealed value c.
func (b *browser) confirm(c string) *http.Response {
	b.e.t.Helper()
	resp, err := b.c.PostForm(b.e.issuer+pathLogoutConfirm, url.Values{"c": {c}})
	if err != nil {
		b.e.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// RP-Initiated Logout 1.0 §2: without an id_token_hint the OP MUST ask.
// Nothing ends until the user answers on the page; the answer ends the
// session and goes where the relying party asked, once.
func TestLogoutWithoutHintAsks(t *testing.T) {
	e := newEnv(t)
	b, _ := loggedIn(t, e)
	to := startLogout(t, e, b, url.Values{"client_id": {"web"}, "post_logout_redirect_uri": {"https://rp.example/bye"}, "state": {"s1"}})
	if to.Path != pathLogoutConfirm || to.Query().Get("c") == "" {
		t.Fatalf("end_session without a hint went to %v, want the confirmation page", to)
	}
	if !signedIn(b) {
		t.Fatal("the session ended before the user answered")
	}

	st, body := b.page(to.String())
	if st != http.StatusOK || !strings.Contains(body, `id="confirm-logout"`) || !strings.Contains(body, `name="c" value="`+to.Query().Get("c")+`"`) {
		t.Fatalf("confirmation page: %d\n%s", st, body)
	}
	if !strings.Contains(body, "Web Bank") {
		t.Error("the page does not name the client its registered redirect URI proved")
	}
	if !signedIn(b) {
		t.Fatal("showing the page ended the session")
	}
	resp := b.confirm(to.Query().Get("c"))
	if l := location(resp); resp.StatusCode != http.StatusSeeOther || l.String() != "https://rp.example/bye?state=s1" {
		t.Fatalf("confirmed logout: %d to %v", resp.StatusCode, l)
	}
	if signedIn(b) {
		t.Fatal("the session survived the confirmed logout")
	}
	// The browser's cookie went with the session, and the value opens
	// only for that cookie.
	if resp := b.confirm(to.Query().Get("c")); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("second answer: %d, want 400", resp.StatusCode)
	}
}

// An id_token_hint of another session than the browser's is no proof
// either (§2).
func TestLogoutHintOfAnotherSessionAsks(t *testing.T) {
	e := newEnv(t)
	b, _ := loggedIn(t, e)
	_, other := loggedIn(t, e)
	to := startLogout(t, e, b, url.Values{"id_token_hint": {other}})
	if to.Path != pathLogoutConfirm {
		t.Fatalf("end_session with another session's hint went to %v", to)
	}
	if !signedIn(b) {
		t.Fatal("the session ended before the user answered")
	}
	resp := b.confirm(to.Query().Get("c"))
	if l := location(resp); resp.StatusCode != http.StatusSeeOther || l.Path != pathLoggedOut {
		t.Fatalf("confirmed logout: %d to %v", resp.StatusCode, l)
	}
	if signedIn(b) {
		t.Fatal("the session survived the confirmed logout")
	}
}

// The browser's own ID token needs no question; a browser without a
// session has nothing to end and gets none either.
func TestLogoutWithoutQuestion(t *testing.T) {
	e := newEnv(t)
	b, idt := loggedIn(t, e)
	if to := startLogout(t, e, b, url.Values{"id_token_hint": {idt}}); to.Path != pathLoggedOut {
		t.Fatalf("end_session with the session's own hint went to %v", to)
	}
	if signedIn(b) {
		t.Fatal("the session survived the logout")
	}
	fresh := e.browser()
	if to := startLogout(t, e, fresh, url.Values{"client_id": {"web"}, "post_logout_redirect_uri": {"https://rp.example/bye"}}); to.String() != "https://rp.example/bye" {
		t.Fatalf("end_session without a session went to %v", to)
	}
}

// Only the browser the page was made for can answer it, and only for a
// while; every refusal leaves both sessions as they were.
func TestLogoutConfirmRefusals(t *testing.T) {
	e := newEnv(t)
	b, _ := loggedIn(t, e)
	other, _ := loggedIn(t, e)
	to := startLogout(t, e, b, url.Values{})
	c := to.Query().Get("c")

	if resp := other.confirm(c); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("another browser's answer: %d, want 400", resp.StatusCode)
	}
	if st, body := other.page(to.String()); st != http.StatusBadRequest || strings.Contains(body, `id="confirm-logout"`) {
		t.Errorf("another browser sees the page: %d", st)
	}
	if resp := e.browser().confirm(c); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an answer without a cookie: %d, want 400", resp.StatusCode)
	}
	// One bit of the ciphertext, so that GCM's check refuses it, not the
	// base64 decoding.
	raw, err := b64.DecodeString(c)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 1
	if resp := b.confirm(b64.EncodeToString(raw)); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a tampered answer: %d, want 400", resp.StatusCode)
	}
	e.clock.Advance(logoutConfirmTTL)
	if resp := b.confirm(c); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an expired answer: %d, want 400", resp.StatusCode)
	}
	if !signedIn(b) || !signedIn(other) {
		t.Error("a refused answer ended a session")
	}
	req, _ := http.NewRequest(http.MethodDelete, e.issuer+pathLogoutConfirm, nil)
	if resp, err := b.c.Do(req); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("DELETE: %v %v", resp, err)
	}
}

// The page forbids framing and caching, and names no client the request
// did not prove.
func TestLogoutPageHeadersAndClient(t *testing.T) {
	e := newEnv(t)
	b, _ := loggedIn(t, e)
	to := startLogout(t, e, b, url.Values{"client_id": {"consent"}})
	resp, err := b.c.Get(to.String())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	h := resp.Header
	if resp.StatusCode != http.StatusOK || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
		h.Get("X-Frame-Options") != "DENY" || h.Get("Cache-Control") != "no-store" || h.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("status %d, headers %v", resp.StatusCode, h)
	}
	if strings.Contains(string(body), "Consent Bank") {
		t.Error("the page names a client_id that nothing proved")
	}
}

// A cross-site POST to end_session carries no SameSite=Lax cookie: it
// must not clear the cookie either.
func TestLogoutWithoutCookieLeavesCookie(t *testing.T) {
	e := newEnv(t)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(e.issuer+pathEndSession, url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if sc := resp.Header.Values("Set-Cookie"); len(sc) != 0 {
		t.Errorf("a request without the cookie cleared it: %v", sc)
	}
}

// A store outage while the user confirms: 503, nothing changes, and the
// same answer works once the store is back.
func TestLogoutConfirmOutage(t *testing.T) {
	e, f := newFlakyEnv(t)
	b, _ := loggedIn(t, e)
	c := startLogout(t, e, b, url.Values{}).Query().Get("c")
	f.down.Store(true)
	resp := b.confirm(c)
	if resp.StatusCode != http.StatusServiceUnavailable || len(resp.Header.Values("Set-Cookie")) != 0 {
		t.Fatalf("during the outage: %d, Set-Cookie %v", resp.StatusCode, resp.Header.Values("Set-Cookie"))
	}
	f.down.Store(false)
	if !signedIn(b) {
		t.Fatal("the failed answer ended the session")
	}
	if resp := b.confirm(c); resp.StatusCode != http.StatusSeeOther || signedIn(b) {
		t.Fatalf("after the outage: %d", resp.StatusCode)
	}
}

// TestOpenLogout is the table of sealed values openLogout refuses.
func TestOpenLogout(t *testing.T) {
	e := newEnv(t)
	s := e.srv
	const cookie = "browser-cookie"
	exp := e.clock.Now().Add(time.Minute).Unix()
	seal := func(v any, ad string) string {
		b, _ := json.Marshal(v)
		return s.secretSeal.seal(b, ad)
	}
	good := pendingLogout{Target: "https://rp.example/bye", Session: hashKey(cookie), Expires: exp}
	if p, err := s.openLogout(seal(good, sealLogout), cookie); err != nil || *p != good {
		t.Fatalf("good value: %+v, %v", p, err)
	}
	cases := map[string]struct{ sealed, cookie string }{
		"empty":          {"", cookie},
		"no cookie":      {seal(good, sealLogout), ""},
		"not base64":     {"!!!", cookie},
		"short":          {"AAAA", cookie},
		"too long":       {strings.Repeat("A", maxSealedLogout+1), cookie},
		"other purpose":  {seal(good, "session x"), cookie},
		"other cookie":   {seal(good, sealLogout), "another-cookie"},
		"expired":        {seal(pendingLogout{Target: good.Target, Session: good.Session, Expires: e.clock.Now().Unix()}, sealLogout), cookie},
		"no target":      {seal(pendingLogout{Session: good.Session, Expires: exp}, sealLogout), cookie},
		"not JSON":       {s.secretSeal.seal([]byte("not json"), sealLogout), cookie},
		"wrong JSON":     {seal([]int{1, 2}, sealLogout), cookie},
		"plain JSON":     {string(must(json.Marshal(good))), cookie},
		"expires string": {seal(map[string]string{"t": good.Target, "s": good.Session, "e": "9999999999"}, sealLogout), cookie},
	}
	for name, c := range cases {
		if p, err := s.openLogout(c.sealed, c.cookie); err == nil {
			t.Errorf("%s: accepted %+v", name, p)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// FuzzOpenLogout: whatever comes in, openLogout refuses it unless it is
// a value sealed here for that cookie and still valid.
func FuzzOpenLogout(f *testing.F) {
	e := newEnv(f)
	s := e.srv
	b, _ := json.Marshal(pendingLogout{Target: "https://rp.example/bye", Session: hashKey("c1"), Expires: e.clock.Now().Add(time.Minute).Unix()})
	valid := s.secretSeal.seal(b, sealLogout)
	f.Add(valid, "c1")
	f.Add(valid, "c2")
	f.Add("", "")
	f.Add("AAAA", "c1")
	f.Fuzz(func(t *testing.T, sealed, cookie string) {
		// Fuzz workers seal the seed again under the same master key;
		// only a value sealed here, for c1, can pass.
		p, err := s.openLogout(sealed, cookie)
		if err == nil && (cookie != "c1" || p.Target != "https://rp.example/bye") {
			t.Fatalf("accepted %q for cookie %q: %+v", sealed, cookie, p)
		}
	})
}

// TestLogoutFinishesEndedSession: a logout that failed after marking the
// sid ended (sidEnded) is finished by the next logout with the same
// id_token_hint, which still finds the session through the marked record.
func TestLogoutFinishesEndedSession(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b := e.browser()
	body := b.tokens("web", "web-secret", "openid")
	_, idt := parseJWT(t, body["id_token"].(string))
	sid, _ := idt["sid"].(string)
	key := hashKey(b.sessionCookie())
	if err := e.backend.Put(ctx, nsSID, sid, []byte(sidEnded+key), time.Hour); err != nil {
		t.Fatal(err)
	}
	// No cookie (a third-party context): the hint's sid names the session.
	resp, err := http.Get(e.issuer + pathEndSession + "?" + url.Values{"id_token_hint": {body["id_token"].(string)}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, err := e.backend.Get(ctx, nsSession, key); !notFound(err) {
		t.Errorf("the session survived the second logout (status %d, err %v)", resp.StatusCode, err)
	}
}
