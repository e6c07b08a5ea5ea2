package main

import (
	"errors"
	"html"
	"net/url"
	"regexp"
)

// The login page is server-rendered by html/template, which writes every
// attribute value in double quotes with HTML escaping. Only two things
// are read from it, the bridge link (docs/login.md: "Link as text",
// <a id="bridge-link" href="LINK">) and the Continue form; golang.org/x/net/html
// is not a dependency of the module, so these patterns match exactly
// those elements' start tags and nothing more.
var (
	// anchorTag matches one <a ...> start tag.
	anchorTag = regexp.MustCompile(`(?is)<a\s[^>]*>`)
	// continueForm matches the Continue form up to its end tag (forms do
	// not nest).
	continueForm = regexp.MustCompile(`(?is)<form\s[^>]*\bid="continue"[^>]*>.*?</form>`)
	formTag      = regexp.MustCompile(`(?is)^<form\s[^>]*>`)
	inputTag     = regexp.MustCompile(`(?is)<input\s[^>]*>`)
	// attr matches one double-quoted attribute.
	attr = regexp.MustCompile(`(?s)\s([a-zA-Z][-a-zA-Z0-9_:]*)="([^"]*)"`)
)

// attrs returns the double-quoted attributes of one start tag, unescaped.
func attrs(tag string) map[string]string {
	m := map[string]string{}
	for _, a := range attr.FindAllStringSubmatch(tag, -1) {
		m[a[1]] = html.UnescapeString(a[2])
	}
	return m
}

// loginPage is what the tool reads from the login page.
type loginPage struct {
	// BridgeLink is the href of a#bridge-link.
	BridgeLink string
	// ContinueURL is the Continue form's action, resolved against the page.
	ContinueURL string
	// Form holds the Continue form's hidden fields (csrf, id, tx, bt, link, lang).
	Form url.Values
}

var (
	errNoBridgeLink = errors.New("no a#bridge-link on the login page")
	errNoContinue   = errors.New("no Continue form on the login page")
)

// parseLoginPage reads the bridge link and the Continue form from body,
// the page served at base.
func parseLoginPage(body []byte, base *url.URL) (*loginPage, error) {
	p := &loginPage{Form: url.Values{}}
	for _, tag := range anchorTag.FindAll(body, -1) {
		a := attrs(string(tag))
		if a["id"] == "bridge-link" {
			p.BridgeLink = a["href"]
			break
		}
	}
	if p.BridgeLink == "" {
		return nil, errNoBridgeLink
	}
	form := continueForm.Find(body)
	if form == nil {
		return nil, errNoContinue
	}
	fa := attrs(string(formTag.Find(form)))
	action, err := base.Parse(fa["action"])
	if err != nil || fa["action"] == "" {
		return nil, errNoContinue
	}
	p.ContinueURL = action.String()
	for _, tag := range inputTag.FindAll(form, -1) {
		a := attrs(string(tag))
		if name, ok := a["name"]; ok {
			p.Form.Add(name, a["value"])
		}
	}
	if p.Form.Get("id") == "" || p.Form.Get("tx") == "" {
		return nil, errNoContinue
	}
	return p, nil
}
