package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestValidateNamesField breaks the valid config one field at a time and
// checks that the error names exactly that field.
func TestValidateNamesField(t *testing.T) {
	for _, tc := range []struct {
		name   string
		break_ func(c *Config)
		field  string
		msg    string // a substring of the message
	}{
		{"issuer missing", func(c *Config) { c.Issuer = "" }, "issuer", "required"},
		{"issuer http in production", func(c *Config) { c.Issuer = "http://id.example.jp" }, "issuer", "https"},
		{"issuer relative", func(c *Config) { c.Issuer = "id.example.jp" }, "issuer", "absolute"},
		{"issuer with query", func(c *Config) { c.Issuer = "https://id.example.jp?a=b" }, "issuer", "query"},
		{"issuer with fragment", func(c *Config) { c.Issuer = "https://id.example.jp#x" }, "issuer", "fragment"},
		{"issuer trailing slash", func(c *Config) { c.Issuer = "https://id.example.jp/" }, "issuer", "'/'"},
		{"addr without port", func(c *Config) { c.Addr = "localhost" }, "addr", "host:port"},
		{"addr bad port", func(c *Config) { c.Addr = "localhost:99999" }, "addr", "port"},
		{"no master key", func(c *Config) { c.MasterKeyFile = "" }, "master_key_file", "required"},
		{"no data dir", func(c *Config) { c.DataDir = "" }, "data_dir", "required"},
		{"publish delay negative", func(c *Config) { c.Keys.PublishDelay = -time.Second }, "keys.publish_delay", "between"},
		{"publish delay under the key cache", func(c *Config) { c.Keys.PublishDelay = 2 * time.Second }, "keys.publish_delay", "at least 10s"},

		{"unknown backend", func(c *Config) { c.Store.Backend = "postgres" }, "store.backend", `"bolt" or "redis"`},
		{"redis without addrs", func(c *Config) { c.Store.Redis.Addrs = nil }, "store.redis.addrs", "at least one"},
		{"redis bad addr", func(c *Config) { c.Store.Redis.Addrs[1] = "sentinel-1" }, "store.redis.addrs[1]", "host:port"},
		{"sentinel and cluster", func(c *Config) { c.Store.Redis.Cluster = true }, "store.redis.master_name", "cannot be combined"},
		{"cluster with db", func(c *Config) { c.Store.Redis.MasterName = ""; c.Store.Redis.Cluster = true; c.Store.Redis.DB = 2 }, "store.redis.db", "database 0"},
		{"prefix with brace", func(c *Config) { c.Store.Redis.KeyPrefix = "a{b" }, "store.redis.key_prefix", "'{'"},
		{"bolt without path", func(c *Config) { c.Store.Backend = "bolt"; c.Store.Bolt.Path = "" }, "store.bolt.path", "required"},

		{"jpki mode", func(c *Config) { c.JPKI.Mode = "staging" }, "jpki.mode", "production"},
		{"no roots", func(c *Config) { c.JPKI.Roots = nil }, "jpki.roots", "at least one"},
		{"empty root path", func(c *Config) { c.JPKI.Roots = append(c.JPKI.Roots, "") }, "jpki.roots[1]", "empty"},
		{"bad policy", func(c *Config) { c.JPKI.AuthPolicies = []string{"1.2.392.x"} }, "jpki.auth_policies[0]", "OID"},
		{"policy leading zero", func(c *Config) { c.JPKI.SignPolicies = []string{"1.02.3"} }, "jpki.sign_policies[0]", "OID"},
		{"test policy in production", func(c *Config) { c.JPKI.SignPolicies = []string{"1.2.392.200149.8.5.1.0.20"} }, "jpki.sign_policies[0]", "production"},
		{"ocsp url not a URL", func(c *Config) { c.JPKI.Revocation.OCSP.URL = "ocsp.example.jp" }, "jpki.revocation.ocsp.url", "absolute"},
		{"ocsp timeout zero", func(c *Config) { c.JPKI.Revocation.OCSP.Timeout = 0 }, "jpki.revocation.ocsp.timeout", "between"},
		{"crl with both", func(c *Config) { c.JPKI.Revocation.CRLs[0].Path = "/x.crl" }, "jpki.revocation.crls[0]", "exactly one"},
		{"crl with neither", func(c *Config) { c.JPKI.Revocation.CRLs = append(c.JPKI.Revocation.CRLs, CRL{}) }, "jpki.revocation.crls[1]", "exactly one"},
		{"crl ftp", func(c *Config) { c.JPKI.Revocation.CRLs[0].URL = "ftp://crl.example.jp/a.crl" }, "jpki.revocation.crls[0].url", "http"},
		{"no revocation source", func(c *Config) { c.JPKI.Revocation.OCSP.Enabled = false; c.JPKI.Revocation.CRLs = nil }, "jpki.revocation", "no revocation source"},
		{"soft fail negative", func(c *Config) { c.JPKI.Revocation.SoftFail = -1 }, "jpki.revocation.soft_fail", "between"},
		{"soft fail a week", func(c *Config) { c.JPKI.Revocation.SoftFail = 168 * time.Hour }, "jpki.revocation.soft_fail", "72h"},
		{"good ttl zero", func(c *Config) { c.JPKI.Revocation.GoodTTL = 0 }, "jpki.revocation.good_ttl", "between"},

		{"code ttl too long", func(c *Config) { c.Tokens.CodeTTL = 61 * time.Second }, "tokens.code_ttl", "60s"},
		{"code ttl zero", func(c *Config) { c.Tokens.CodeTTL = 0 }, "tokens.code_ttl", "more than 0"},
		{"access ttl too short", func(c *Config) { c.Tokens.AccessTokenTTL = time.Second }, "tokens.access_token_ttl", "between 1m and 24h"},
		{"id ttl too long", func(c *Config) { c.Tokens.IDTokenTTL = 48 * time.Hour }, "tokens.id_token_ttl", "between"},
		{"refresh ttl too short", func(c *Config) { c.Tokens.RefreshTokenTTL = time.Minute }, "tokens.refresh_token_ttl", "between 1h and 8760h"},
		{"refresh grace too long", func(c *Config) { c.Tokens.RefreshGrace = time.Hour }, "tokens.refresh_grace", "between"},
		{"RS256 default", func(c *Config) { c.Tokens.SigningAlg = "RS256" }, "tokens.signing_alg", "not allowed as the default"},
		{"HS256", func(c *Config) { c.Tokens.SigningAlg = "HS256" }, "tokens.signing_alg", "ES256 or PS256"},

		{"session ttl", func(c *Config) { c.Session.TTL = time.Minute }, "session.ttl", "between"},
		{"cookie name with space", func(c *Config) { c.Session.CookieName = "a b" }, "session.cookie_name", "cookie name"},
		{"host cookie over http", func(c *Config) { c.Dev = true; c.Issuer = "http://localhost:8080" }, "session.cookie_name", "https"},
		{"registration without token", func(c *Config) { c.Registration.InitialAccessTokenFile = "" }, "registration.initial_access_token_file", "required"},

		{"client id missing", func(c *Config) { c.Clients[0].ID = "" }, "clients[0].id", "1 to 128"},
		{"client id with slash", func(c *Config) { c.Clients[0].ID = "a/b" }, "clients[0].id", "letters"},
		{"duplicate client id", func(c *Config) { c.Clients[2].ID = "bank-web" }, "clients[2].id", "duplicate of clients[0].id"},
		{"auth method unknown", func(c *Config) { c.Clients[0].TokenEndpointAuthMethod = "tls_client_auth" }, "clients[0].token_endpoint_auth_method", "one of"},
		{"plain secret in production", func(c *Config) { c.Clients[0].SecretHash = ""; c.Clients[0].Secret = "s3cret" }, "clients[0].secret", "dev only"},
		{"secret and hash", func(c *Config) { c.Clients[0].Secret = "s3cret" }, "clients[0].secret", "not both"},
		{"no secret", func(c *Config) { c.Clients[0].SecretHash = "" }, "clients[0].secret_hash", "required"},
		{"bad secret hash", func(c *Config) { c.Clients[0].SecretHash = "md5:abc" }, "clients[0].secret_hash", "sha256"},
		{"short sha256 hash", func(c *Config) { c.Clients[0].SecretHash = "sha256:abc" }, "clients[0].secret_hash", "43"},
		{"cheap bcrypt", func(c *Config) {
			c.Clients[0].SecretHash = "$2y$05$BZ3VRhX3gPu5cGzsAMZuD.j3Z/L/UtqGeYhqEKv9G/5X7BwIJKtle"
		}, "clients[0].secret_hash", "cost"},
		{"secret on private_key_jwt", func(c *Config) { c.Clients[1].SecretHash = c.Clients[2].SecretHash }, "clients[1].secret_hash", "not used"},
		{"private_key_jwt without jwks", func(c *Config) { c.Clients[1].JWKS = nil }, "clients[1].jwks", "private_key_jwt needs"},
		{"jwks and jwks_file", func(c *Config) { c.Clients[1].JWKSFile = "/x.json" }, "clients[1].jwks", "not both"},
		{"jwks_file missing", func(c *Config) { c.Clients[1].JWKS = nil; c.Clients[1].JWKSFile = "/nonexistent/jwks.json" }, "clients[1].jwks_file", "no such file"},
		{"jwks with private key", func(c *Config) {
			c.Clients[1].JWKS = RawJSON(`{"keys":[{"kty":"EC","crv":"P-256","x":"Rr-IWDqEyvJSbbL4kyRSuyc-DYdj-FYjRmV4evZxdd8","y":"KFjvEjcZBVafIJfOpoJ8ienpCeU969g-AeUzCYkyMJQ","d":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE"}]}`)
		}, "clients[1].jwks", "public"},
		{"jwks symmetric", func(c *Config) { c.Clients[1].JWKS = RawJSON(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`) }, "clients[1].jwks", "public"},
		{"jwks empty", func(c *Config) { c.Clients[1].JWKS = RawJSON(`{"keys":[]}`) }, "clients[1].jwks", "empty"},
		{"jwks wrong alg", func(c *Config) {
			c.Clients[1].JWKS = RawJSON(`{"keys":[{"kty":"EC","crv":"P-256","alg":"RS256","x":"Rr-IWDqEyvJSbbL4kyRSuyc-DYdj-FYjRmV4evZxdd8","y":"KFjvEjcZBVafIJfOpoJ8ienpCeU969g-AeUzCYkyMJQ"}]}`)
		}, "clients[1].jwks", "does not fit"},
		{"no redirect for code", func(c *Config) { c.Clients[0].RedirectURIs = nil }, "clients[0].redirect_uris", "at least one"},
		{"redirect http", func(c *Config) { c.Clients[0].RedirectURIs[0] = "http://bank.example.jp/cb" }, "clients[0].redirect_uris[0]", "https"},
		{"redirect fragment", func(c *Config) { c.Clients[1].RedirectURIs[1] = "https://app.bank.example.jp/cb#x" }, "clients[1].redirect_uris[1]", "fragment"},
		{"redirect relative", func(c *Config) { c.Clients[0].RedirectURIs[0] = "/cb" }, "clients[0].redirect_uris[0]", "absolute"},
		{"redirect custom scheme", func(c *Config) { c.Clients[0].RedirectURIs[0] = "com.example.app:/cb" }, "clients[0].redirect_uris[0]", "scheme must be https"},
		{"redirect wildcard", func(c *Config) { c.Clients[0].RedirectURIs[0] = "https://*.example.jp/cb" }, "clients[0].redirect_uris[0]", "wildcard"},
		{"redirect duplicate", func(c *Config) { c.Clients[1].RedirectURIs[1] = c.Clients[1].RedirectURIs[0] }, "clients[1].redirect_uris[1]", "duplicate"},
		{"post logout http", func(c *Config) { c.Clients[0].PostLogoutRedirectURIs[0] = "http://bank.example.jp/" }, "clients[0].post_logout_redirect_uris[0]", "https"},
		{"pairwise across hosts", func(c *Config) { c.Clients[1].RedirectURIs[1] = "https://other.example.jp/cb" }, "clients[1].redirect_uris", "one host"},
		{"bad sector", func(c *Config) { c.Clients[1].SectorIdentifier = "https://bank.example.jp" }, "clients[1].sector_identifier", "host name"},
		{"sector on public", func(c *Config) {
			c.Clients[1].SubjectType = "public"
			c.Clients[1].SectorIdentifier = "bank.example.jp"
		}, "clients[1].sector_identifier", "pairwise"},
		{"subject type", func(c *Config) { c.Clients[0].SubjectType = "ppid" }, "clients[0].subject_type", "pairwise"},
		{"grant implicit", func(c *Config) { c.Clients[0].GrantTypes = []string{"implicit"} }, "clients[0].grant_types[0]", "authorization_code, refresh_token"},
		{"grant duplicate", func(c *Config) { c.Clients[0].GrantTypes = []string{"authorization_code", "authorization_code"} }, "clients[0].grant_types[1]", "duplicate"},
		{"grant empty", func(c *Config) { c.Clients[0].GrantTypes = []string{} }, "clients[0].grant_types", "at least one"},
		{"refresh without code", func(c *Config) { c.Clients[2].GrantTypes = []string{"client_credentials", "refresh_token"} }, "clients[2].grant_types", "needs authorization_code"},
		{"public client credentials", func(c *Config) {
			c.Clients[2].TokenEndpointAuthMethod = "none"
			c.Clients[2].SecretHash = ""
		}, "clients[2].grant_types", "authenticated"},
		{"scope with space", func(c *Config) { c.Clients[0].Scopes = []string{"openid", "a b"} }, "clients[0].scopes[1]", "printable"},
		{"access token type", func(c *Config) { c.Clients[0].AccessTokenType = "reference" }, "clients[0].access_token_type", "jwt"},
		{"id token alg none", func(c *Config) { c.Clients[0].IDTokenSignedResponseAlg = "none" }, "clients[0].id_token_signed_response_alg", "ES256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := loadValid(t)
			tc.break_(c)
			err := c.Validate()
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate() = %v; want a *ValidationError", err)
			}
			fe := ve.Field(tc.field)
			if fe == nil {
				t.Fatalf("no error names %q; got:\n%v", tc.field, err)
			}
			if !strings.Contains(fe.Msg, tc.msg) {
				t.Errorf("%s: message %q does not mention %q", tc.field, fe.Msg, tc.msg)
			}
			if len(ve.Errs) != 1 {
				t.Errorf("one broken field gave %d errors:\n%v", len(ve.Errs), err)
			}
		})
	}
}

func TestValidateDevRelaxations(t *testing.T) {
	c := loadValid(t)
	c.Dev = true
	c.Issuer = "http://localhost:8080"
	c.Session.CookieName = DefaultDevCookieName
	c.Registration.InitialAccessTokenFile = ""
	c.JPKI.Roots = nil
	c.Clients[0].RedirectURIs[0] = "http://bank.test/cb" // http to any host in dev
	c.Clients[0].SecretHash = ""
	c.Clients[0].Secret = "dev-secret"
	if err := c.Validate(); err != nil {
		t.Fatalf("dev config refused: %v", err)
	}
	if !c.Registration.Open(c.Dev) {
		t.Error("dev registration without a token file should be open")
	}
	if len(c.Warnings()) < 2 {
		t.Errorf("dev and plain secret not warned about: %q", c.Warnings())
	}
}

func TestValidateLoopbackHTTP(t *testing.T) {
	c := loadValid(t)
	c.Clients[0].RedirectURIs = []string{"http://127.0.0.1/cb"}
	c.Clients[0].PostLogoutRedirectURIs = nil
	if err := c.Validate(); err != nil {
		t.Fatalf("loopback redirect refused: %v", err)
	}
}

func TestValidateReportsAll(t *testing.T) {
	c := loadValid(t)
	c.Issuer = ""
	c.Tokens.CodeTTL = time.Hour
	c.Clients[1].RedirectURIs[0] = "ftp://x/cb"
	err := c.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Errs) != 3 {
		t.Fatalf("want 3 problems at once, got %v", err)
	}
	if !strings.Contains(err.Error(), "3 problems") || !strings.Contains(err.Error(), "clients[1].redirect_uris[0]") {
		t.Errorf("message: %v", err)
	}
}

func TestParseOID(t *testing.T) {
	for s, ok := range map[string]bool{
		"1.2.392.200149.8.5.1.3.30": true,
		"2.999":                     true,
		"1":                         false,
		"3.1":                       false,
		"1.40":                      false,
		"1..2":                      false,
		"1.-2":                      false,
		"1.2.":                      false,
	} {
		if _, got := ParseOID(s); got != ok {
			t.Errorf("ParseOID(%q) ok = %v; want %v", s, got, ok)
		}
	}
	if got := Policies([]string{"1.2.3", "bad"}); len(got) != 1 {
		t.Errorf("Policies = %v", got)
	}
}
