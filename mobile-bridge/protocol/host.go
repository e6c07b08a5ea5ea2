package protocol

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// canonicalHost returns the host[:port] of u as it appears in an origin:
// lowercase, IPv6 in brackets, default port omitted. It refuses hosts that
// docs/client-data.md does not allow in an origin, so an agent finds out
// before it touches the card.
func canonicalHost(u *url.URL) (string, error) {
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if strings.HasPrefix(u.Host, "[") {
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", linkErr("bad IPv6 address")
		}
		host = "[" + host + "]"
	} else if !isHostName(host) {
		return "", linkErr("bad host name (use lowercase letters, digits, '-' and '.'; IDNs as punycode)")
	}
	// url.Parse already refuses non-digit ports; "host:" leaves an empty one.
	if strings.HasSuffix(u.Host, ":") {
		return "", linkErr("empty port")
	}
	if port == "" {
		return host, nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
		return "", linkErr("bad port")
	}
	if (u.Scheme == "https" && n == 443) || (u.Scheme == "http" && n == 80) {
		return host, nil
	}
	return host + ":" + port, nil
}

// isHostName accepts dot-separated labels of a-z, 0-9 and '-' (covering
// IPv4 and punycode), with no empty label and no trailing dot.
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

// isLoopback reports whether host is localhost or a loopback address, the
// only hosts for which plain http is accepted.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}
