package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func loadValid(t *testing.T) *Config {
	t.Helper()
	c, err := Load("testdata/valid.yaml")
	if err != nil {
		t.Fatalf("Load(valid.yaml): %v", err)
	}
	return c
}

func TestLoadValid(t *testing.T) {
	c := loadValid(t)
	if c.Tokens.CodeTTL != 30*time.Second || c.Tokens.SigningAlg != "PS256" {
		t.Errorf("tokens not read: %+v", c.Tokens)
	}
	// Fields absent from the file keep their defaults.
	if c.Tokens.IDTokenTTL != DefaultIDTokenTTL || c.Tokens.RefreshGrace != DefaultRefreshGrace {
		t.Errorf("defaults lost: %+v", c.Tokens)
	}
	if c.Session.CookieName != DefaultCookieName {
		t.Errorf("cookie name = %q", c.Session.CookieName)
	}
	if got := c.Store.Bolt.Path; got != "/var/lib/inkan/inkan.db" {
		t.Errorf("derived bolt path = %q", got)
	}
	cl := c.Clients[0]
	if cl.TokenEndpointAuthMethod != "client_secret_basic" || cl.SubjectType != "pairwise" || cl.AccessTokenType != "jwt" {
		t.Errorf("client defaults: %+v", cl)
	}
	if c.Clients[1].ConsentRequired == nil || *c.Clients[1].ConsentRequired {
		t.Errorf("consent_required: false not read")
	}
	ks, err := c.Clients[1].LoadJWKS()
	if err != nil || len(ks.Keys) != 1 || ks.Keys[0].KeyID != "rp-2026-01" {
		t.Errorf("jwks: %v %+v", err, ks)
	}
	if c.Tokens.MaxTokenTTL() != 10*time.Minute {
		t.Errorf("MaxTokenTTL = %v", c.Tokens.MaxTokenTTL())
	}
	if w := c.Warnings(); len(w) != 0 {
		t.Errorf("warnings for a clean production config: %q", w)
	}
}

func TestDefaultDev(t *testing.T) {
	c := Default(true)
	if err := c.Validate(); err != nil {
		t.Fatalf("Default(true) does not validate: %v", err)
	}
	if c.Issuer != "http://127.0.0.1:8080" {
		t.Errorf("dev issuer = %q", c.Issuer)
	}
	if c.MasterKeyFile != filepath.Join(DefaultDevDataDir, "master.key") {
		t.Errorf("dev master key = %q", c.MasterKeyFile)
	}
	if !c.Registration.Open(c.Dev) || c.Keys.PublishDelay != 0 || c.JPKI.Mode != ModeTest {
		t.Errorf("dev defaults: %+v", c)
	}
	// Production defaults are not runnable as is: the operator must name
	// the issuer, the master key and the roots.
	err := Default(false).Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Default(false).Validate() = %v", err)
	}
	for _, f := range []string{"issuer", "master_key_file", "jpki.roots"} {
		if ve.Field(f) == nil {
			t.Errorf("no error for %s in %v", f, ve)
		}
	}
}

func TestParseDevFromFile(t *testing.T) {
	c, err := Parse([]byte("dev: true\naddr: 0.0.0.0:9000\ndata_dir: /tmp/x\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "http://localhost:9000" || c.MasterKeyFile != "/tmp/x/master.key" || c.Session.CookieName != DefaultDevCookieName {
		t.Errorf("dev defaults from file: issuer %q key %q cookie %q", c.Issuer, c.MasterKeyFile, c.Session.CookieName)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"unknown top-level field", "isuer: https://x\n", `unknown field "isuer"`},
		{"unknown nested field", "tokens:\n  code_tl: 30s\n", `unknown field "code_tl"`},
		{"unknown client field", "clients:\n  - id: a\n    redirect_uri: https://x/cb\n", `unknown field "redirect_uri"`},
		{"bad duration", "tokens:\n  code_ttl: 30x\n", "duration"},
		{"number as duration", "tokens:\n  code_ttl: 30\n", "duration"},
		{"list expected", "jpki:\n  roots: /etc/roots.pem\n", "list"},
		{"two documents", "addr: a:1\n---\naddr: b:2\n", "more than one YAML document"},
		{"not a mapping", "- a\n- b\n", "mapping"},
		{"syntax", "issuer: [\n", "line"},
		{"jwks with non-string keys", "clients:\n  - id: a\n    jwks: {1: 2}\n", "strings"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse() = %v; want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestLoadFileErrors(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("missing file accepted")
	}
	big := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(big, make([]byte, MaxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big); err == nil || !strings.Contains(err.Error(), "larger") {
		t.Errorf("oversized file: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("issuer: http://id.example.jp\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(bad)
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field("issuer") == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("Load of an invalid file = %v; want a *ValidationError naming the file and issuer", err)
	}
}

// TestDocsExample keeps the example in docs/config.md loadable.
func TestDocsExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Skip("docs/config.md not found:", err)
	}
	_, rest, ok := strings.Cut(string(doc), "<!-- example -->\n```yaml\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("docs/config.md has no ```yaml block after <!-- example -->")
	}
	c, err := Parse([]byte(example))
	if err != nil {
		t.Fatalf("docs example does not parse: %v", err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("docs example does not validate: %v", err)
	}
}
