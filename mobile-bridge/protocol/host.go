package protocol

import (
	"errors"
	"net/netip"
	"net/url"
	"strings"

	"github.com/inkan-id/inkan/cardauth/clientdata"
)

// canonicalHost returns the host[:port] of u as it appears in an origin:
// lowercase, IPv6 in brackets, default port omitted. It applies the origin
// rules of docs/client-data.md (through clientdata.OriginOf, so the agent
// and the provider spell an origin the same way), so an agent finds a bad
// host before it touches the card.
func canonicalHost(u *url.URL) (string, error) {
	// url.Parse already refuses non-digit ports; "host:" leaves an empty one.
	if strings.HasSuffix(u.Host, ":") {
		return "", linkErr("empty port")
	}
	o, err := clientdata.OriginOf(u)
	if err != nil {
		var fe *clientdata.FieldError
		if errors.As(err, &fe) {
			return "", linkErr("host not allowed in an origin: " + fe.Reason)
		}
		return "", linkErr(err.Error())
	}
	return strings.TrimPrefix(o, strings.ToLower(u.Scheme)+"://"), nil
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
