package config

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/inkan-id/inkan/provider/keys"
)

// Bounds on durations. They catch unit slips (720 minutes for hours) and
// values that break a guarantee: codes live at most 60 s (design rule 4).
const (
	MaxCodeTTL      = 60 * time.Second
	MinTokenTTL     = time.Minute
	MaxTokenTTL     = 24 * time.Hour
	MinRefreshTTL   = time.Hour
	MaxRefreshTTL   = 8760 * time.Hour
	MaxRefreshGrace = time.Minute
	MaxPublishDelay = 24 * time.Hour
	MinSessionTTL   = 5 * time.Minute
	MaxSessionTTL   = 720 * time.Hour
	MaxSoftFail     = 72 * time.Hour
	MaxGoodTTL      = 24 * time.Hour
	MaxOCSPTimeout  = time.Minute
)

// Validate checks the whole configuration and returns a *ValidationError
// listing every problem, or nil.
func (c *Config) Validate() error {
	var l errs
	c.validateServer(&l)
	c.validateStore(&l)
	c.validateJPKI(&l)
	c.validateTokens(&l)
	c.validateSession(&l)
	c.validateRegistration(&l)
	c.validateClients(&l)
	return l.err()
}

func (c *Config) validateServer(l *errs) {
	switch u, err := url.Parse(c.Issuer); {
	case c.Issuer == "":
		l.add("issuer", "required (the https URL relying parties see)")
	case err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "":
		l.add("issuer", "must be an absolute URL like https://id.example.jp")
	case u.Scheme != "https" && !(u.Scheme == "http" && c.Dev):
		l.add("issuer", "must use https (http only with dev: true)")
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(c.Issuer, "?") || strings.Contains(c.Issuer, "#"):
		l.add("issuer", "must not contain user information, a query or a fragment (OpenID Connect Discovery §3)")
	case strings.HasSuffix(u.Path, "/"):
		l.add("issuer", "must not end with '/': endpoint paths are appended to it")
	}
	if err := checkHostPort(c.Addr); err != "" {
		l.add("addr", "%s", err)
	}
	if c.DataDir == "" {
		l.add("data_dir", "required")
	}
	if c.MasterKeyFile == "" {
		l.add("master_key_file", "required (a file holding 32 random bytes in base64; generate one with: head -c32 /dev/urandom | base64)")
	}
	switch d := c.Keys.PublishDelay; {
	case d < 0 || d > MaxPublishDelay:
		l.add("keys.publish_delay", "must be between 0 and %s", fmtDur(MaxPublishDelay))
	case d > 0 && d < keys.DefaultCacheTTL:
		// Shorter than the instances' key set cache: one instance would
		// sign with the new key while another still leaves it out of its
		// key set (0 is the explicit "no delay", warned about outside dev).
		l.add("keys.publish_delay", "must be 0 or at least %s, how long instances cache the key set", fmtDur(keys.DefaultCacheTTL))
	}
}

func (c *Config) validateStore(l *errs) {
	switch c.Store.Backend {
	case BackendBolt:
		if c.Store.Bolt.Path == "" {
			l.add("store.bolt.path", "required")
		}
	case BackendRedis:
		c.validateRedis(l)
	default:
		l.add("store.backend", "must be %q or %q", BackendBolt, BackendRedis)
	}
}

func (c *Config) validateRedis(l *errs) {
	r := c.Store.Redis
	if len(r.Addrs) == 0 {
		l.add("store.redis.addrs", "at least one host:port is required")
	}
	for i, a := range r.Addrs {
		if err := checkHostPort(a); err != "" {
			l.add(idx("store.redis.addrs", i), "%s", err)
		}
	}
	if r.Cluster && r.MasterName != "" {
		l.add("store.redis.master_name", "Sentinel (master_name) and cluster cannot be combined")
	}
	if r.DB < 0 {
		l.add("store.redis.db", "must not be negative")
	}
	if r.Cluster && r.DB != 0 {
		l.add("store.redis.db", "must be 0 with cluster: Redis Cluster has only database 0")
	}
	if strings.ContainsAny(r.KeyPrefix, "{}\x00") || len(r.KeyPrefix) > 512 {
		l.add("store.redis.key_prefix", "must not contain '{', '}' or NUL, nor exceed 512 bytes")
	}
}

func (c *Config) validateTokens(l *errs) {
	t := c.Tokens
	if t.CodeTTL <= 0 || t.CodeTTL > MaxCodeTTL {
		l.add("tokens.code_ttl", "must be more than 0 and at most 60s (FAPI 2.0 §5.3.2.1-11); got %s", fmtDur(t.CodeTTL))
	}
	between(l, "tokens.access_token_ttl", t.AccessTokenTTL, MinTokenTTL, MaxTokenTTL)
	between(l, "tokens.id_token_ttl", t.IDTokenTTL, MinTokenTTL, MaxTokenTTL)
	between(l, "tokens.refresh_token_ttl", t.RefreshTokenTTL, MinRefreshTTL, MaxRefreshTTL)
	between(l, "tokens.refresh_grace", t.RefreshGrace, 0, MaxRefreshGrace)
	switch t.SigningAlg {
	case "ES256", "PS256":
	case "RS256":
		l.add("tokens.signing_alg", "RS256 is not allowed as the default (FAPI 2.0 §5.4); use ES256 or PS256, and let a client that needs RS256 ask with id_token_signed_response_alg")
	default:
		l.add("tokens.signing_alg", "must be ES256 or PS256")
	}
}

func (c *Config) validateSession(l *errs) {
	between(l, "session.ttl", c.Session.TTL, MinSessionTTL, MaxSessionTTL)
	name := c.Session.CookieName
	switch {
	case name == "":
		l.add("session.cookie_name", "required")
	case !isToken(name):
		l.add("session.cookie_name", "must be a cookie name (letters, digits and !#$%%&'*+-.^_`|~)")
	case (strings.HasPrefix(name, "__Host-") || strings.HasPrefix(name, "__Secure-")) && c.Dev && strings.HasPrefix(c.Issuer, "http:"):
		l.add("session.cookie_name", "the __Host- and __Secure- prefixes need https; browsers drop such cookies over http")
	}
}

func (c *Config) validateRegistration(l *errs) {
	if c.Registration.Enabled && !c.Dev && c.Registration.InitialAccessTokenFile == "" {
		l.add("registration.initial_access_token_file", "required when registration is enabled (open registration is for dev only)")
	}
}

func between(l *errs, field string, d, lo, hi time.Duration) {
	if d < lo || d > hi {
		l.add(field, "must be between %s and %s; got %s", fmtDur(lo), fmtDur(hi), fmtDur(d))
	}
}

// fmtDur prints 720h rather than 720h0m0s.
func fmtDur(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// checkHostPort returns what is wrong with a host:port, or "".
func checkHostPort(s string) string {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return "must be host:port (like 127.0.0.1:8080)"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "port must be a number from 1 to 65535"
	}
	return ""
}

// isToken reports whether s is an RFC 7230 token, the syntax of a cookie
// name.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}
