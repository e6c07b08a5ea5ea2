package config

import "time"

// Config is the whole configuration file. Field comments give the YAML name;
// docs/config.md has the defaults and the rules.
type Config struct {
	// Issuer is the provider's issuer identifier (issuer): an https URL
	// without query, fragment or trailing slash; http only in dev.
	Issuer string `yaml:"issuer"`
	// Addr is the listen address (addr), host:port.
	Addr string `yaml:"addr"`
	// Dev relaxes the rules for a developer machine (dev).
	Dev bool `yaml:"dev"`
	// DataDir holds the embedded database and, in dev, the generated
	// master key (data_dir).
	DataDir string `yaml:"data_dir"`
	// MasterKeyFile holds 32 random bytes in base64 that encrypt signing
	// keys and personal attributes at rest (master_key_file).
	MasterKeyFile string `yaml:"master_key_file"`

	Store        Store        `yaml:"store"`
	JPKI         JPKI         `yaml:"jpki"`
	Tokens       Tokens       `yaml:"tokens"`
	Keys         Keys         `yaml:"keys"`
	Session      Session      `yaml:"session"`
	Registration Registration `yaml:"registration"`
	Clients      []Client     `yaml:"clients"`
}

// Store selects and configures the storage backend (store).
type Store struct {
	// Backend is "bolt" (embedded, one instance) or "redis" (many).
	Backend string `yaml:"backend"`
	Bolt    Bolt   `yaml:"bolt"`
	Redis   Redis  `yaml:"redis"`
}

// Backend names.
const (
	BackendBolt  = "bolt"
	BackendRedis = "redis"
)

// Bolt configures the embedded backend (store.bolt).
type Bolt struct {
	// Path of the database file; default data_dir/inkan.db.
	Path string `yaml:"path"`
}

// Redis configures the Redis backend (store.redis).
type Redis struct {
	// Addrs are host:port of the server, the Sentinels or the Cluster
	// seed nodes.
	Addrs []string `yaml:"addrs"`
	// MasterName selects Sentinel mode: the name of the monitored master.
	MasterName string `yaml:"master_name"`
	// Username for Redis ACLs (optional).
	Username string `yaml:"username"`
	// PasswordFile holds the password, so it stays out of the config.
	PasswordFile string `yaml:"password_file"`
	// DB is the database number (standalone and Sentinel only).
	DB int `yaml:"db"`
	// TLS connects with TLS (system roots).
	TLS bool `yaml:"tls"`
	// Cluster selects Redis Cluster mode.
	Cluster bool `yaml:"cluster"`
	// KeyPrefix starts every key (default "inkan").
	KeyPrefix string `yaml:"key_prefix"`
}

// JPKI configures card verification (jpki).
type JPKI struct {
	// Mode is "production" (only the pinned J-LIS roots) or "test"
	// (also the JPKI-EMU test CA).
	Mode string `yaml:"mode"`
	// Roots are PEM files of trust anchors.
	Roots []string `yaml:"roots"`
	// AuthPolicies and SignPolicies are accepted certificate policy OIDs in
	// dotted form; empty means the verifier's defaults.
	AuthPolicies []string `yaml:"auth_policies"`
	SignPolicies []string `yaml:"sign_policies"`

	Revocation Revocation `yaml:"revocation"`
}

// JPKI modes.
const (
	ModeProduction = "production"
	ModeTest       = "test"
)

// Revocation configures revocation checking (jpki.revocation).
type Revocation struct {
	OCSP OCSP  `yaml:"ocsp"`
	CRLs []CRL `yaml:"crls"`
	// GoodTTL is how long a "good" answer is reused.
	GoodTTL time.Duration `yaml:"good_ttl"`
	// SoftFail, when positive, lets a login (never a signing) succeed
	// while revocation status is unknown; 0 fails closed.
	SoftFail time.Duration `yaml:"soft_fail"`
}

// OCSP configures the OCSP source (jpki.revocation.ocsp).
type OCSP struct {
	Enabled bool `yaml:"enabled"`
	// URL overrides the responder named in the certificate.
	URL     string        `yaml:"url"`
	Timeout time.Duration `yaml:"timeout"`
}

// CRL is one CRL source: a local file or a URL (exactly one).
type CRL struct {
	Path string `yaml:"path"`
	URL  string `yaml:"url"`
}

// Tokens configures token lifetimes and the signing algorithm (tokens).
type Tokens struct {
	CodeTTL         time.Duration `yaml:"code_ttl"`
	AccessTokenTTL  time.Duration `yaml:"access_token_ttl"`
	IDTokenTTL      time.Duration `yaml:"id_token_ttl"`
	RefreshTokenTTL time.Duration `yaml:"refresh_token_ttl"`
	// RefreshGrace is how long a rotated refresh token still works, so a
	// client that lost the response can retry (FAPI 2.0 §5.3.2.1-9).
	RefreshGrace time.Duration `yaml:"refresh_grace"`
	// SigningAlg is the default for ID tokens and JWT access tokens:
	// ES256 or PS256.
	SigningAlg string `yaml:"signing_alg"`
}

// MaxTokenTTL is the longest lifetime of a token signed with a provider key,
// which is how long a retired key must stay published.
func (t Tokens) MaxTokenTTL() time.Duration {
	return max(t.AccessTokenTTL, t.IDTokenTTL)
}

// Keys configures signing-key rotation (keys).
type Keys struct {
	// PublishDelay is how long a new key is published before it signs, so
	// relying parties' JWKS caches already hold it.
	PublishDelay time.Duration `yaml:"publish_delay"`
}

// Session configures the browser session (session).
type Session struct {
	TTL        time.Duration `yaml:"ttl"`
	CookieName string        `yaml:"cookie_name"`
}

// Registration configures dynamic client registration, RFC 7591
// (registration).
type Registration struct {
	Enabled bool `yaml:"enabled"`
	// InitialAccessTokenFile holds the bearer token that POST /register
	// requires. Required when enabled, unless dev.
	InitialAccessTokenFile string `yaml:"initial_access_token_file"`
}

// Open reports whether registration needs no initial access token (dev
// without a token file).
func (r Registration) Open(dev bool) bool {
	return r.Enabled && dev && r.InitialAccessTokenFile == ""
}

// Client is one statically configured relying party (clients[i]). The names
// follow RFC 7591 client metadata where one exists.
type Client struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// Secret is a plain secret: dev only.
	Secret string `yaml:"secret"`
	// SecretHash is "sha256:<base64url of SHA-256>" (for generated,
	// high-entropy secrets) or a bcrypt hash "$2a$"/"$2b$"/"$2y$" (for
	// chosen ones).
	SecretHash             string   `yaml:"secret_hash"`
	RedirectURIs           []string `yaml:"redirect_uris"`
	PostLogoutRedirectURIs []string `yaml:"post_logout_redirect_uris"`
	// TokenEndpointAuthMethod: client_secret_basic (default),
	// client_secret_post, private_key_jwt or none.
	TokenEndpointAuthMethod string `yaml:"token_endpoint_auth_method"`
	// JWKS is the client's public key set inline (a JWK Set in YAML or
	// JSON form); JWKSFile names a file holding it. private_key_jwt needs
	// one of them.
	JWKS     RawJSON `yaml:"jwks"`
	JWKSFile string  `yaml:"jwks_file"`
	// GrantTypes: authorization_code (default), refresh_token,
	// client_credentials.
	GrantTypes []string `yaml:"grant_types"`
	// Scopes the client may request.
	Scopes []string `yaml:"scopes"`
	// SubjectType: pairwise (default) or public.
	SubjectType string `yaml:"subject_type"`
	// SectorIdentifier is the pairwise sector (a host name); default: the
	// one host shared by all redirect URIs.
	SectorIdentifier string `yaml:"sector_identifier"`
	// AccessTokenType: jwt (default) or opaque.
	AccessTokenType string `yaml:"access_token_type"`
	// IDTokenSignedResponseAlg: "" (the provider's), ES256, PS256, RS256.
	IDTokenSignedResponseAlg string `yaml:"id_token_signed_response_alg"`
	// RefreshRotation: default off for confidential clients, on for
	// public ones.
	RefreshRotation *bool `yaml:"refresh_rotation"`
	// ConsentRequired: default true.
	ConsentRequired *bool `yaml:"consent_required"`
}
