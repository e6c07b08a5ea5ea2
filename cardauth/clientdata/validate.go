package clientdata

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// validate checks every field against the format.
func (c ClientData) validate() error {
	if c.Type != TypeAuth && c.Type != TypeSign {
		return &FieldError{"type", "want " + TypeAuth + " or " + TypeSign}
	}
	if err := checkOrigin(c.Origin); err != nil {
		return &FieldError{"origin", err.Error()}
	}
	if n := len(c.TransactionID); n < MinTransactionIDLen || n > MaxTransactionIDLen {
		return &FieldError{"tx", fmt.Sprintf("want %d–%d characters, got %d", MinTransactionIDLen, MaxTransactionIDLen, n)}
	}
	if !isBase64URL(c.TransactionID) {
		return &FieldError{"tx", "want only base64url characters A–Z a–z 0–9 - _"}
	}
	if len(c.Nonce) != NonceSize {
		return &FieldError{"nonce", fmt.Sprintf("want %d bytes, got %d", NonceSize, len(c.Nonce))}
	}
	if c.Time.IsZero() {
		return &FieldError{"time", "zero time"}
	}
	// Four-digit years only, so the layout always produces 20 characters.
	if y := c.Time.UTC().Year(); y < 1970 || y > 9999 {
		return &FieldError{"time", "year out of range 1970–9999"}
	}
	return nil
}

func isBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// checkOrigin accepts exactly the canonical origins OriginOf produces:
// "http" or "https", "://", a lowercase host name or IPv4 address or
// bracketed IPv6 address, and an optional non-default port.
func checkOrigin(s string) error {
	if len(s) > MaxOriginLen {
		return fmt.Errorf("longer than %d bytes", MaxOriginLen)
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || (scheme != "https" && scheme != "http") {
		return fmt.Errorf("want scheme https:// or http://")
	}
	host, port := rest, ""
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return fmt.Errorf("unterminated IPv6 literal")
		}
		host, port = rest[:end+1], rest[end+1:]
		if !isIPv6Literal(host[1 : len(host)-1]) {
			return fmt.Errorf("bad IPv6 literal")
		}
	} else {
		if i := strings.IndexByte(rest, ':'); i >= 0 {
			host, port = rest[:i], rest[i:]
		}
		if !isHostName(host) {
			return fmt.Errorf("want a lowercase host name without path, query or user info")
		}
	}
	if port == "" {
		return nil
	}
	p := port[1:]
	if port[0] != ':' || p == "" || p[0] == '0' || len(p) > 5 {
		return fmt.Errorf("bad port")
	}
	n, err := strconv.Atoi(p)
	if err != nil || n > 65535 || strconv.Itoa(n) != p {
		return fmt.Errorf("bad port")
	}
	if (scheme == "https" && n == 443) || (scheme == "http" && n == 80) {
		return fmt.Errorf("default port must be omitted")
	}
	return nil
}

// isHostName accepts dot-separated labels of [a-z0-9-] (which covers IPv4
// and punycode), without a trailing dot, so a host has one spelling.
func isHostName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// isIPv6Literal accepts lowercase hex digits, ':' and '.', which is enough
// to keep the field free of characters that need escaping; the provider
// compares origins for equality, so it does not need to parse them.
func isIPv6Literal(s string) bool {
	if len(s) < 2 || !strings.Contains(s, ":") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || c == ':' || c == '.') {
			return false
		}
	}
	return true
}

// OriginOf returns the canonical origin of u: lowercase scheme and host,
// default port dropped, path, query, fragment and user info discarded. The
// agent calls it on the URL it actually connected to, the provider on its
// issuer URL; the two strings must then be equal.
func OriginOf(u *url.URL) (string, error) {
	if u == nil {
		return "", &FieldError{"origin", "nil URL"}
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	o := scheme + "://" + host
	if port != "" && !(scheme == "https" && port == "443") && !(scheme == "http" && port == "80") {
		o += ":" + port
	}
	if err := checkOrigin(o); err != nil {
		return "", &FieldError{"origin", err.Error()}
	}
	return o, nil
}
