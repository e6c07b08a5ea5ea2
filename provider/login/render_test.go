package login

import (
	"bytes"
	"html/template"
	"strings"
	"testing"
)

// TestResolvedTextSamePage: with the fixed catalogue texts put into the
// templates at start (resolveText), every page renders byte for byte as
// the templates that look each text up at run time.
func TestResolvedTextSamePage(t *testing.T) {
	views := map[string][]*view{
		"login": {
			{TitleKey: "title.login", SwitchURL: "/login?id=a&lang=en", Login: &loginView{ID: "a", ClientName: "デモ<銀行>", Link: "https://x/bridge/v1/tx/1#s",
				AppLink: "inkan://x", QR: "<svg></svg>", BindingCode: "42", Remaining: "3", Next: "/authorize/callback?id=a", Notice: "n"}},
			{TitleKey: "title.login", Dev: true, AutoTap: true, Login: &loginView{ID: "a", ClientName: "Bank & Co", Sign: true, PhoneURL: "/dev/phone"}},
			{TitleKey: "title.login", Login: &loginView{ID: "a", Failure: "failed \"x\"", Final: true}},
		},
		"consent": {{TitleKey: "title.consent", Consent: &consentView{ID: "a", ClientName: "Bank", Action: "/login/consent",
			Scopes: []scopeItem{{Name: "openid", Title: "t", Text: "x"}}}}},
		"error": {{TitleKey: "title.error", Error: &errorView{Message: "m<", ID: "a", RestartURL: "/login?id=a"}}},
	}
	for _, l := range []lang{langJA, langEN} {
		plain := parsePages(l, false)
		for page, vs := range views {
			for i, v := range vs {
				v.Lang, v.OtherLang, v.Nonce, v.CSRF = l, l.other(), "nonce", "csrf"
				var got, want bytes.Buffer
				if err := pages[l][page].ExecuteTemplate(&got, "layout", v); err != nil {
					t.Fatal(err)
				}
				if err := plain[page].ExecuteTemplate(&want, "layout", v); err != nil {
					t.Fatal(err)
				}
				if got.String() != want.String() {
					t.Errorf("%s %s #%d differs:\n%s\n---\n%s", l, page, i, got.String(), want.String())
				}
			}
		}
	}
}

// TestResolveTextEscapes: a resolved text is HTML-escaped, and a text
// that could be read as template syntax or needs arguments is left to
// run time.
func TestResolveTextEscapes(t *testing.T) {
	catalogue[langEN]["test.amp"] = `A & <b> "q"`
	catalogue[langEN]["test.action"] = "{{.Secret}}"
	defer delete(catalogue[langEN], "test.amp")
	defer delete(catalogue[langEN], "test.action")
	got := string(resolveText(langEN, []byte(`<p>{{$.T "test.amp"}}</p><p>{{.T "test.action"}}</p><p>{{$.T "login.remaining" 3}}</p>`)))
	want := `<p>` + template.HTMLEscapeString(`A & <b> "q"`) + `</p><p>{{.T "test.action"}}</p><p>{{$.T "login.remaining" 3}}</p>`
	if got != want || !strings.Contains(got, "&amp;") {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// The login page keeps no fixed lookup.
	src, err := templateFS.ReadFile("templates/login.html")
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(resolveText(langJA, src), []byte(`.T "`)); n != 0 {
		t.Errorf("%d lookups left in login.html", n)
	}
}

// BenchmarkRenderLogin renders the login page body with the texts in
// place (as served) and with a lookup per text (as before resolveText).
func BenchmarkRenderLogin(b *testing.B) {
	v := &view{Lang: langJA, OtherLang: langEN, Nonce: "nonce", CSRF: "csrf", TitleKey: "title.login", SwitchURL: "/login?id=a&lang=en",
		Login: &loginView{ID: "a", ClientName: "デモ銀行", Link: "https://x/bridge/v1/tx/1#s", AppLink: "inkan://x",
			QR: "<svg></svg>", BindingCode: "42", Remaining: "3", Next: "/authorize/callback?id=a"}}
	for name, set := range map[string]map[string]*template.Template{"resolved": pages[langJA], "lookup": parsePages(langJA, false)} {
		b.Run(name, func(b *testing.B) {
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := set["login"].ExecuteTemplate(&buf, "layout", v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
