package login

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/inkan-id/inkan/mobile-bridge/protocol"
	"github.com/inkan-id/inkan/provider/bridge"
	"github.com/inkan-id/inkan/provider/store"
)

//go:embed templates
var templateFS embed.FS

// pageFiles are the page templates; each is parsed with the layout and
// the script.
var pageFiles = map[string]string{"login": "login.html", "consent": "consent.html", "error": "error.html"}

// pages are the parsed templates, per language and page, with every
// fixed catalogue text already in place (resolveText).
var pages = map[lang]map[string]*template.Template{
	langJA: parsePages(langJA, true),
	langEN: parsePages(langEN, true),
}

func parsePages(l lang, resolve bool) map[string]*template.Template {
	m := make(map[string]*template.Template, len(pageFiles))
	for page, file := range pageFiles {
		t := template.New(page) // not a file name: New of an existing name resets it
		for _, f := range []string{"layout.html", "script.js.tmpl", file} {
			src, err := templateFS.ReadFile("templates/" + f)
			if err != nil {
				panic(err)
			}
			if resolve {
				src = resolveText(l, src)
			}
			template.Must(t.New(f).Parse(string(src)))
		}
		m[page] = t
	}
	return m
}

// fixedText is a catalogue lookup with a constant key and no arguments.
var fixedText = regexp.MustCompile(`\{\{\$?\.T "([a-z0-9.]+)"\}\}`)

// resolveText puts the text of every fixed catalogue lookup in l into
// the template source, HTML-escaped: the page then costs no call per
// text. Every such lookup sits in HTML text or a quoted attribute, where
// HTML escaping is what html/template would apply
// (TestResolvedTextSamePage renders every page both ways).
func resolveText(l lang, src []byte) []byte {
	return fixedText.ReplaceAllFunc(src, func(m []byte) []byte {
		key := string(fixedText.FindSubmatch(m)[1])
		s, ok := catalogue[l][key]
		if !ok || strings.Contains(s, "{{") || strings.Contains(s, "%") {
			return m // left to T at run time
		}
		return []byte(template.HTMLEscapeString(s))
	})
}

// view is what every page template sees.
type view struct {
	Lang      lang
	OtherLang lang
	Nonce     string
	CSRF      string
	Dev       bool
	AutoTap   bool
	TitleKey  string
	SwitchURL string

	Login   *loginView
	Consent *consentView
	Error   *errorView
}

// T returns the catalogue text of key in the page's language.
func (v *view) T(key string, args ...any) string { return text(v.Lang, key, args...) }

// errorView is the body of the error page.
type errorView struct {
	Message    string
	ID         string // the auth request, when starting again makes sense
	RestartURL string
}

// newView starts the view of a page in l.
func (h *Handler) newView(r *http.Request, l lang, titleKey string) *view {
	return &view{Lang: l, OtherLang: l.other(), Nonce: nonceFrom(r), Dev: h.dev, AutoTap: h.autoTap, TitleKey: titleKey}
}

// pageBufs keeps render's buffers: a login page is about 18 KB, and
// growing a fresh buffer to that size allocated twice as much per page.
var pageBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuf bounds the buffers kept for reuse.
const maxPooledBuf = 256 << 10

// render writes a page with status. A template failure is a bug; it
// answers a bare 500 rather than half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	buf := pageBufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledBuf {
			pageBufs.Put(buf)
		}
	}()
	if err := pages[v.Lang][page].ExecuteTemplate(buf, "layout", v); err != nil {
		h.log.ErrorContext(r.Context(), "template", "page", page, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// pageError is a failure shown to the user: the HTTP status, the catalogue
// key of a user-safe message (or a bridge code whose own plain-language
// text is shown), and the internal cause, which only reaches the log.
type pageError struct {
	Status int
	Key    string
	Code   protocol.Code // when set, its protocol message replaces Key
	ID     string        // auth request id, to offer "start again"
	Err    error
}

func (e *pageError) Error() string {
	if e.Err != nil {
		return "login: " + e.Key + ": " + e.Err.Error()
	}
	return "login: " + e.Key
}

func (e *pageError) Unwrap() error { return e.Err }

// fail renders the error page for err, in the language of the request.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	pe, ok := errors.AsType[*pageError](err)
	if !ok {
		pe = &pageError{Status: http.StatusInternalServerError, Key: "err.internal", Err: err}
	}
	switch {
	case pe.Status >= 500:
		h.log.WarnContext(r.Context(), "login page failed", "status", pe.Status, "err", pe.Err)
	default:
		h.log.InfoContext(r.Context(), "login page refused", "status", pe.Status, "reason", pe.Key)
	}
	l := chooseLang(r, nil)
	v := h.newView(r, l, "title.error")
	v.Error = &errorView{Message: text(l, pe.Key)}
	if pe.Code != "" {
		v.Error.Message = codeText(l, pe.Code)
	}
	if pe.ID != "" {
		v.Error.ID = pe.ID
		v.Error.RestartURL = h.base + PathLogin
		v.SwitchURL = h.base + PathLogin + "?" + url.Values{"id": {pe.ID}, langParam: {string(l.other())}}.Encode()
	}
	h.render(w, r, pe.Status, "error", v)
}

// codeText is the plain-language message of a bridge error code.
func codeText(l lang, c protocol.Code) string {
	e := protocol.NewError(c)
	if l == langEN {
		return e.Message
	}
	return e.MessageJA
}

// infoError maps an error of Server.LoginInfo to the page shown.
func infoError(err error) error {
	switch {
	case errors.Is(err, bridge.ErrBindingGone):
		return &pageError{Status: http.StatusBadRequest, Key: "err.unknown", Err: err}
	case errors.Is(err, store.ErrUnavailable):
		return &pageError{Status: http.StatusServiceUnavailable, Key: "err.unavailable", Err: err}
	}
	return &pageError{Status: http.StatusInternalServerError, Key: "err.internal", Err: err}
}
