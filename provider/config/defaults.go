package config

import (
	"net"
	"path/filepath"
	"time"

	"github.com/inkan-id/inkan/provider/clients/clientmeta"
)

// Defaults that docs/config.md documents.
const (
	DefaultAddr            = "127.0.0.1:8080"
	DefaultDataDir         = "/var/lib/inkan"
	DefaultDevDataDir      = "inkan-data"
	DefaultCodeTTL         = 60 * time.Second
	DefaultAccessTokenTTL  = 10 * time.Minute
	DefaultIDTokenTTL      = 10 * time.Minute
	DefaultRefreshTokenTTL = 720 * time.Hour
	DefaultRefreshGrace    = 10 * time.Second
	DefaultSigningAlg      = "ES256"
	DefaultPublishDelay    = 5 * time.Minute
	DefaultSessionTTL      = 8 * time.Hour
	DefaultOCSPTimeout     = 5 * time.Second
	DefaultGoodTTL         = 5 * time.Minute
	DefaultKeyPrefix       = "inkan"

	// The __Host- prefix makes browsers refuse the cookie unless it is
	// Secure, host-only and for path "/"; it needs https, so dev (plain
	// http) uses a plain name.
	DefaultCookieName    = "__Host-inkan-session"
	DefaultDevCookieName = "inkan-session"
)

// Default returns the configuration used when a field is absent, with the
// derived paths filled in. In dev the issuer is http on Addr, the master key
// is generated under the data directory, test JPKI roots are allowed, new
// signing keys sign at once and registration is open.
func Default(dev bool) *Config {
	c := base(dev)
	c.derive()
	return c
}

// base is Default without the fields derived from others, so that a file's
// values can be decoded over it before deriving.
func base(dev bool) *Config {
	c := &Config{
		Addr:    DefaultAddr,
		Dev:     dev,
		DataDir: DefaultDataDir,
		Store:   Store{Backend: BackendBolt, Redis: Redis{KeyPrefix: DefaultKeyPrefix}},
		JPKI: JPKI{
			Mode: ModeProduction,
			Revocation: Revocation{
				OCSP:    OCSP{Enabled: true, Timeout: DefaultOCSPTimeout},
				GoodTTL: DefaultGoodTTL,
			},
		},
		Tokens: Tokens{
			CodeTTL:         DefaultCodeTTL,
			AccessTokenTTL:  DefaultAccessTokenTTL,
			IDTokenTTL:      DefaultIDTokenTTL,
			RefreshTokenTTL: DefaultRefreshTokenTTL,
			RefreshGrace:    DefaultRefreshGrace,
			SigningAlg:      DefaultSigningAlg,
		},
		Keys:    Keys{PublishDelay: DefaultPublishDelay},
		Session: Session{TTL: DefaultSessionTTL, CookieName: DefaultCookieName},
	}
	if dev {
		c.DataDir = DefaultDevDataDir
		c.JPKI.Mode = ModeTest
		c.Keys.PublishDelay = 0
		c.Session.CookieName = DefaultDevCookieName
		c.Registration.Enabled = true
	}
	return c
}

// derive fills the fields whose default depends on other fields.
func (c *Config) derive() {
	if c.Issuer == "" && c.Dev {
		host, port, err := net.SplitHostPort(c.Addr)
		if err == nil {
			if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
				host = "localhost"
			}
			c.Issuer = "http://" + net.JoinHostPort(host, port)
		}
	}
	if c.Store.Bolt.Path == "" && c.DataDir != "" {
		c.Store.Bolt.Path = filepath.Join(c.DataDir, "inkan.db")
	}
	if c.MasterKeyFile == "" && c.Dev && c.DataDir != "" {
		c.MasterKeyFile = filepath.Join(c.DataDir, "master.key")
	}
	for i := range c.Clients {
		cl := &c.Clients[i]
		if cl.TokenEndpointAuthMethod == "" {
			cl.TokenEndpointAuthMethod = clientmeta.AuthSecretBasic
		}
		if cl.GrantTypes == nil {
			cl.GrantTypes = []string{clientmeta.GrantAuthorizationCode}
		}
		if cl.SubjectType == "" {
			cl.SubjectType = clientmeta.SubjectPairwise
		}
		if cl.AccessTokenType == "" {
			cl.AccessTokenType = clientmeta.AccessTokenJWT
		}
	}
}

// Derive fills the fields whose defaults depend on others (the dev issuer,
// the store and master-key paths, each client's defaults). Load and Default
// call it; call it again after changing a Config in code.
func (c *Config) Derive() { c.derive() }
