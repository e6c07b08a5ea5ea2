package main

import (
	"errors"
	"html"
	"net/url"
	"regexp"
)

// The login page is server-rendered by html/template, which writes every
// attribute value in double quotes with HTML escaping (a '>' in a value
// too). Only two things are read from it: the bridge link (docs/login.md:
// "Link as text", <a id="bridge-link" href="LINK">) and where the page's
// script goes once the card step is done (the data-next attribute of
// <div id="login-data">, docs/login.md: "Waiting for the card").
// golang.org/x/net/html is not a dependency of the module, so these
// patterns match exactly those elements' start tags and nothing more.
var (
	// anchorTag matches one <a ...> start tag.
	anchorTag = regexp.MustCompile(`(?is)<a\s[^>]*>`)
	// divTag matches one <div ...> start tag.
	divTag = regexp.MustCompile(`(?is)<div\s[^>]*>`)
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
	// Next is the data-next of div#login-data, resolved against the page:
	// the callback (or the consent page) the script goes to on "done".
	Next *url.URL
}

var (
	errNoBridgeLink = errors.New("no a#bridge-link on the login page")
	errNoNext       = errors.New("no data-next on the login page's div#login-data (a provider whose script still posts the Continue form?)")
	// errBadNext keeps the value out: failures are counted by their text.
	errBadNext = errors.New("data-next on the login page is not a URL on the page's origin")
)

// parseLoginPage reads the bridge link and data-next from body, the page
// served at base. Like the page's script, it takes data-next only on the
// page's own origin.
func parseLoginPage(body []byte, base *url.URL) (*loginPage, error) {
	p := &loginPage{}
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
	var next string
	for _, tag := range divTag.FindAll(body, -1) {
		a := attrs(string(tag))
		if a["id"] == "login-data" {
			next = a["data-next"]
			break
		}
	}
	if next == "" {
		return nil, errNoNext
	}
	u, err := base.Parse(next)
	if err != nil || u.Scheme != base.Scheme || u.Host != base.Host {
		return nil, errBadNext
	}
	p.Next = u
	return p, nil
}
