package login

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func FuzzParseAcceptLanguage(f *testing.F) {
	for _, s := range []string{"", "ja", "en-US,en;q=0.9,ja;q=0.8", "*", "ja;q=0", "en;q=1.5, ja;q=NaN",
		"zh-Hant-TW;q=0.5, en-GB-oxendict", ";;;,,,", "ja;q=0.5;level=1", strings.Repeat("en,", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		tags := parseAcceptLanguage(header)
		if len(tags) > maxLanguageTags {
			t.Fatalf("%d tags", len(tags))
		}
		for _, tag := range tags {
			if !isLanguageTag(tag) {
				t.Fatalf("malformed tag %q kept", tag)
			}
		}
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Accept-Language", header)
		if l := chooseLang(req, nil); l != langJA && l != langEN {
			t.Fatalf("language %q", l)
		}
	})
}

// FuzzForms posts arbitrary bodies, with a valid CSRF token appended, to
// both form handlers: whatever arrives, the answer is a page or a
// redirect, never a 5xx, and a redirect only goes where the server said.
func FuzzForms(f *testing.F) {
	f.Add(false, "id=req1&tx=x&bt=y&link=z")
	f.Add(true, "id=req-consent&decision=allow")
	f.Add(true, "id=req-consent&decision=deny&decision=allow")
	f.Add(false, "id=req1&tx=&bt=%ZZ")
	f.Add(false, "id=req1&lang=en&link=inkan%3A%2F%2Ftx%3Flink%3Dhttp%253A%252F%252F127.0.0.1%253A8080")
	f.Add(true, "id=%00&decision=allow&csrf=x")
	f.Fuzz(func(t *testing.T, consent bool, body string) {
		e := newEnv(t, nil)
		e.srv.setDone("req-consent")
		tok := strings.Repeat("A", 43)
		target := "/login/continue"
		if consent {
			target = "/login/consent"
		}
		req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body+"&csrf="+tok))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: csrfCookie, Value: tok})
		rec := e.do(req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q", rec.Code, body)
		}
		if loc := rec.Header().Get("Location"); loc != "" &&
			!strings.HasPrefix(loc, "/login") && !strings.HasPrefix(loc, testIssuer+"/") {
			t.Fatalf("redirect to %q", loc)
		}
	})
}
