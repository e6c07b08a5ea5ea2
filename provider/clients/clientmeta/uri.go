package clientmeta

import (
	"errors"
	"net"
	"net/url"
	"strings"
)

// MaxURILen bounds a redirect URI. Browsers and proxies start failing well
// above it; anything longer is a mistake or an attack.
const MaxURILen = 2000

// CheckRedirectURI reports why raw cannot be registered as a redirect URI
// (or post-logout redirect URI), or nil. The message does not repeat the
// URI; the caller names the field.
//
// The URI must be absolute, without fragment (RFC 6749 §3.1.2), user info
// or wildcards, because the provider matches it exactly and sends codes to
// it. The scheme is https; http is allowed only to a loopback host, which
// native apps use (RFC 8252 §7.3), or anywhere when allowHTTP (dev mode).
// Private-use schemes are refused: FAPI 2.0 §5.3.2.2 item 8.
func CheckRedirectURI(raw string, allowHTTP bool) error {
	switch {
	case raw == "":
		return errors.New("empty")
	case len(raw) > MaxURILen:
		return errors.New("longer than 2000 bytes")
	case strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return errors.New("contains white space or control characters")
	case strings.Contains(raw, "#"):
		return errors.New("must not contain a fragment")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a valid URL")
	}
	switch {
	case !u.IsAbs():
		return errors.New("must be an absolute URL")
	case u.Scheme != "https" && u.Scheme != "http":
		return errors.New("scheme must be https")
	case u.Opaque != "":
		return errors.New("must be a hierarchical URL (scheme://host/path)")
	case u.User != nil:
		return errors.New("must not contain user information")
	case u.Hostname() == "":
		return errors.New("has no host")
	case strings.Contains(u.Host, "*"):
		return errors.New("must not contain wildcards")
	}
	if u.Scheme == "http" && !allowHTTP && !IsLoopback(u.Hostname()) {
		return errors.New("must use https (http only to a loopback address)")
	}
	return nil
}

// IsLoopback reports whether host (without port) is localhost or a loopback
// IP address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// SharedHost returns the one host (lower case, without port) that all uris
// share, and false when they name several hosts or none, or one does not
// parse. Pairwise subjects are computed per host (OpenID Connect Core
// §8.1), so a client whose redirect URIs span hosts needs an explicit sector.
func SharedHost(uris []string) (string, bool) {
	host := ""
	for _, raw := range uris {
		u, err := url.Parse(raw)
		if err != nil || u.Hostname() == "" {
			return "", false
		}
		h := strings.ToLower(u.Hostname())
		if host != "" && h != host {
			return "", false
		}
		host = h
	}
	return host, host != ""
}

// CheckHost reports why s is not a DNS host name usable as a pairwise sector
// identifier, or nil.
func CheckHost(s string) error {
	if s == "" || len(s) > 253 {
		return errors.New("must be a host name of 1 to 253 characters")
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 {
			return errors.New("must be a host name (labels of 1 to 63 characters)")
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return errors.New("must be a host name (letters, digits, '-' and '.')")
			}
		}
	}
	return nil
}

// SectorOf is the sector identifier pairwise subjects are computed for when
// a client names none: the one host its redirect URIs share (OIDC Core
// §8.1); ok is false when they span hosts. A loopback host is no sector,
// since every native app has it: sector is then "", and the provider gives
// the client a sector of its own.
func SectorOf(uris []string) (sector string, ok bool) {
	host, ok := SharedHost(uris)
	if !ok || IsLoopback(host) {
		return "", ok
	}
	return host, true
}
