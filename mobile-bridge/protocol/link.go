package protocol

import (
	"log/slog"
	"net/url"
	"strings"
)

// Sizes of the random values of a transaction. All travel as base64url
// without padding.
const (
	// IDBytes is the size of a transaction id (128 bits).
	IDBytes = 16
	// SecretBytes is the size of the agent secret in the link (256 bits).
	SecretBytes = 32
	// NonceBytes is the size of the transaction nonce (256 bits).
	NonceBytes = 32
	// TokenBytes is the size of the browser token (256 bits).
	TokenBytes = 32

	// IDLen, SecretLen, NonceLen and TokenLen are their encoded lengths.
	IDLen     = 22
	SecretLen = 43
	NonceLen  = 43
	TokenLen  = 43
)

// Size caps of links. A real link is under 200 bytes; the caps stop a
// hostile QR code or URL handler from feeding megabytes to the parser.
const (
	MaxLinkLen    = 2048
	MaxAppLinkLen = 4096
)

// AppLinkPrefix starts the inkan:// form of a bridge link, which the
// desktop agent registers as URL handler: "inkan://tx?link=" followed by
// the https link, percent-encoded as a query value.
const AppLinkPrefix = "inkan://tx?link="

// Link is a parsed bridge link:
//
//	https://HOST[:PORT][/PREFIX]/bridge/v1/tx/ID#SECRET
//
// The secret is in the fragment so that browsers never send it to a server
// and it never appears in access logs. A Link prints as its redacted form
// in slog output; String gives the full link, secret included.
type Link struct {
	// Scheme is "https", or "http" for loopback hosts (development).
	Scheme string
	// Host is the lowercase host with a non-default port, as it appears in
	// the origin: "id.example.jp", "127.0.0.1:8080", "[::1]:8443".
	Host string
	// Prefix is the issuer's path, "" or like "/idp" (no trailing slash).
	Prefix string
	// ID is the transaction id, IDLen base64url characters.
	ID string
	// Secret is the agent secret, SecretLen base64url characters. It
	// authorises the agent as a bearer token; keep it out of logs.
	Secret string
}

// LinkError says why a string is not a bridge link. It never repeats the
// input, which may hold a secret.
type LinkError struct {
	// Reason is the rule the link broke.
	Reason string
}

// Error implements error.
func (e *LinkError) Error() string { return "protocol: not a bridge link: " + e.Reason }

func linkErr(reason string) error { return &LinkError{Reason: reason} }

// ParseLink parses a bridge link in its https form or its inkan:// form.
// It is strict: scheme https (http only for loopback hosts), no user info,
// no query, no percent-escapes in the path, the exact path shape with a
// well-formed id, and a well-formed secret in the fragment. Errors are
// *LinkError.
func ParseLink(s string) (*Link, error) {
	if len(s) >= len("inkan:") && strings.EqualFold(s[:len("inkan:")], "inkan:") {
		return parseAppLink(s)
	}
	return parseHTTPSLink(s)
}

func parseAppLink(s string) (*Link, error) {
	if len(s) > MaxAppLinkLen {
		return nil, linkErr("longer than 4096 bytes")
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, linkErr("inkan link does not parse as a URL")
	}
	if u.Scheme != "inkan" || u.Opaque != "" || u.User != nil || u.Host != "tx" || u.Path != "" || u.Fragment != "" || strings.Contains(s, "#") {
		return nil, linkErr("want inkan://tx?link=<percent-encoded https link>")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil || len(q) != 1 || len(q["link"]) != 1 {
		return nil, linkErr("want exactly one query parameter, link")
	}
	inner := q["link"][0]
	if len(inner) >= len("inkan:") && strings.EqualFold(inner[:len("inkan:")], "inkan:") {
		return nil, linkErr("nested inkan link")
	}
	return parseHTTPSLink(inner)
}

func parseHTTPSLink(s string) (*Link, error) {
	if len(s) > MaxLinkLen {
		return nil, linkErr("longer than 2048 bytes")
	}
	for i := 0; i < len(s); i++ {
		// Only printable ASCII: no spaces, controls or raw Unicode (IDNs
		// travel as punycode), so the link has one spelling.
		if s[i] <= ' ' || s[i] >= 0x7f {
			return nil, linkErr("contains a space, control or non-ASCII character")
		}
	}
	hash := strings.IndexByte(s, '#')
	if hash < 0 || hash == len(s)-1 {
		return nil, linkErr("missing secret after '#'")
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, linkErr("does not parse as a URL")
	}
	if u.Opaque != "" || u.Host == "" {
		return nil, linkErr("want https://host/...")
	}
	if u.User != nil {
		return nil, linkErr("user info is not allowed")
	}
	if u.RawQuery != "" || u.ForceQuery {
		return nil, linkErr("a query is not allowed")
	}
	host, err := canonicalHost(u)
	if err != nil {
		return nil, err
	}
	l := &Link{Scheme: u.Scheme, Host: host}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, linkErr("http is allowed only for loopback hosts (development)")
		}
	default:
		return nil, linkErr("scheme must be https")
	}
	// The path is compared as written: escapes would give one link two
	// spellings, and ids and prefixes never need them.
	path := u.EscapedPath()
	if strings.Contains(path, "%") || u.RawPath != "" {
		return nil, linkErr("percent-escapes are not allowed in the path")
	}
	i := strings.LastIndex(path, TxPath)
	if i < 0 {
		return nil, linkErr("path must end in " + TxPath + "ID")
	}
	l.Prefix, l.ID = path[:i], path[i+len(TxPath):]
	if err := checkPrefix(l.Prefix); err != nil {
		return nil, err
	}
	if !isB64(l.ID, IDLen, IDBytes) {
		return nil, linkErr("transaction id must be 22 base64url characters")
	}
	l.Secret = s[hash+1:]
	if !isB64(l.Secret, SecretLen, SecretBytes) {
		return nil, linkErr("secret must be 43 base64url characters")
	}
	return l, nil
}

// checkPrefix accepts "" or "/seg/seg" with unreserved characters only.
func checkPrefix(p string) error {
	if p == "" {
		return nil
	}
	if p[0] != '/' {
		return linkErr("bad path prefix")
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return linkErr("bad path prefix")
		}
		for i := 0; i < len(seg); i++ {
			if !isUnreserved(seg[i]) {
				return linkErr("bad path prefix")
			}
		}
	}
	return nil
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// isB64 reports whether s is n base64url characters encoding size bytes.
func isB64(s string, n, size int) bool {
	if len(s) != n {
		return false
	}
	b, err := b64.DecodeString(s)
	return err == nil && len(b) == size
}

// Origin returns scheme://host[:port], the origin the agent connects to.
// It is what goes into client_data, and it equals clientdata.OriginOf of
// the same URL.
func (l *Link) Origin() string { return l.Scheme + "://" + l.Host }

// TxURL returns the transaction endpoint, without the secret.
func (l *Link) TxURL() string { return l.Origin() + l.Prefix + TxPath + l.ID }

// String returns the https link with the secret. Do not log it.
func (l *Link) String() string { return l.TxURL() + "#" + l.Secret }

// AppLink returns the inkan:// form that the desktop agent handles.
func (l *Link) AppLink() string { return AppLinkPrefix + url.QueryEscape(l.String()) }

// Redacted returns the link with the secret replaced, for logs.
func (l *Link) Redacted() string { return l.TxURL() + "#REDACTED" }

// LogValue keeps the secret out of structured logs.
func (l *Link) LogValue() slog.Value { return slog.StringValue(l.Redacted()) }

// NewLink builds the link of transaction id with secret under issuer (the
// provider's issuer URL, which may have a path). It fails with *LinkError
// when the result would not parse back.
func NewLink(issuer, id, secret string) (*Link, error) {
	base, err := IssuerBase(issuer)
	if err != nil {
		return nil, err
	}
	return ParseLink(base + TxPath + id + "#" + secret)
}

// IssuerBase returns an issuer URL without a trailing slash, after checking
// that it can carry bridge links: https (http for loopback), a host, no
// user info, query or fragment.
func IssuerBase(issuer string) (string, error) {
	u, err := url.Parse(issuer)
	if err != nil || u.Opaque != "" || u.Host == "" {
		return "", linkErr("issuer is not an absolute URL")
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(issuer, "#") {
		return "", linkErr("issuer must not have user info, query or fragment")
	}
	host, err := canonicalHost(u)
	if err != nil {
		return "", err
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		return "", linkErr("issuer scheme must be https (http only for loopback)")
	}
	p := strings.TrimSuffix(u.EscapedPath(), "/")
	if err := checkPrefix(p); err != nil {
		return "", err
	}
	return u.Scheme + "://" + host + p, nil
}
