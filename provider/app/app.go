// Package app assembles the provider from its configuration: the store, the
// signing keys, the relying parties, the card verifier, the OIDC core, the
// card bridge and the pages beside them. `inkan serve` runs it; end-to-end
// tests build it in-process the same way.
package app

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	goredis "github.com/redis/go-redis/v9"

	"github.com/inkan-id/inkan/cardauth/revocation"
	"github.com/inkan-id/inkan/cardauth/vcard/testca"
	"github.com/inkan-id/inkan/cardauth/verify"
	"github.com/inkan-id/inkan/provider/bridge"
	"github.com/inkan-id/inkan/provider/clients"
	"github.com/inkan-id/inkan/provider/config"
	"github.com/inkan-id/inkan/provider/keys"
	"github.com/inkan-id/inkan/provider/server"
	"github.com/inkan-id/inkan/provider/store"
	"github.com/inkan-id/inkan/provider/store/bolt"
	"github.com/inkan-id/inkan/provider/store/redis"
)

// Options are what the configuration file does not say.
type Options struct {
	// Log receives the provider's structured logs; nil means slog.Default().
	Log *slog.Logger
	// DevAutoTap completes the card step with the dev virtual card as soon
	// as the login page opens, for conformance tooling. Refused outside dev.
	DevAutoTap bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// WrapBackend, when set, wraps the opened store for everything the
	// app builds on it (tests count the calls a login makes). A wrapper
	// should pass on the optional capabilities (store.Swapper,
	// store.Batcher, store.MultiGetter) the store has, or callers fall
	// back to slower paths (store.ApplyEach: op by op, each op atomic,
	// not the batch).
	WrapBackend func(store.Backend) store.Backend
}

// App is an assembled provider.
type App struct {
	Config  *config.Config
	Backend store.Backend
	Server  *server.Server
	Bridge  *bridge.Service
	// CA is the test JPKI CA of dev mode (nil otherwise).
	CA *testca.CA
	// Dev holds what dev mode adds (nil otherwise).
	Dev *Dev

	handler http.Handler
	closers []func() error
}

// ErrAutoTapOutsideDev: the automatic card step exists for conformance
// tooling against a dev provider and never anywhere else.
var ErrAutoTapOutsideDev = errors.New("app: --dev-autotap needs --dev")

// New builds the provider described by cfg. Call Close when done.
func New(ctx context.Context, cfg *config.Config, opt Options) (_ *App, err error) {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.DevAutoTap && !cfg.Dev {
		return nil, ErrAutoTapOutsideDev
	}
	a := &App{Config: cfg}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if cfg.Dev {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, err
		}
		if a.Dev, err = newDev(cfg, opt); err != nil {
			return nil, err
		}
		a.CA = a.Dev.CA
		cfg.Clients = append(cfg.Clients, a.Dev.demoClient())
	}
	cfg.Derive()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	master, err := config.LoadOrCreateMasterKey(cfg.MasterKeyFile, cfg.Dev)
	if err != nil {
		return nil, err
	}
	if a.Backend, err = OpenStore(cfg, opt.Log); err != nil {
		return nil, err
	}
	a.closers = append(a.closers, a.Backend.Close)
	if opt.WrapBackend != nil {
		a.Backend = opt.WrapBackend(a.Backend)
	}

	alg := jose.SignatureAlgorithm(cfg.Tokens.SigningAlg)
	km, err := NewKeys(cfg, a.Backend, master, opt.Now)
	if err != nil {
		return nil, err
	}
	if err := km.EnsureKeys(ctx); err != nil {
		return nil, fmt.Errorf("app: signing keys: %w", err)
	}

	static, err := clients.FromConfig(cfg.Clients)
	if err != nil {
		return nil, err
	}
	registry := clients.New(a.Backend, static)

	v, err := newVerifier(cfg, a.CA, opt)
	if err != nil {
		return nil, err
	}

	const registerPath = "/register"
	scfg := server.Config{
		Issuer: cfg.Issuer, Backend: a.Backend, Clients: registry, Keys: km, MasterKey: master,
		CodeTTL: cfg.Tokens.CodeTTL, AccessTokenTTL: cfg.Tokens.AccessTokenTTL, IDTokenTTL: cfg.Tokens.IDTokenTTL,
		RefreshTokenTTL: cfg.Tokens.RefreshTokenTTL, RefreshGrace: cfg.Tokens.RefreshGrace,
		SessionTTL: cfg.Session.TTL, SessionCookie: cfg.Session.CookieName, DefaultAlg: alg,
		Dev: cfg.Dev, Log: opt.Log, Now: opt.Now,
	}
	if cfg.Registration.Enabled {
		scfg.RegistrationPath = registerPath
	}
	if a.Server, err = server.New(scfg); err != nil {
		return nil, err
	}
	if a.Bridge, err = bridge.New(bridge.Config{
		Backend: a.Backend, Verifier: v, Issuer: cfg.Issuer, Completer: a.Server, Now: opt.Now, Log: opt.Log,
	}); err != nil {
		return nil, err
	}
	a.Server.Mount("/bridge", a.Bridge.Handler())
	a.Server.UseTransactions(a.Bridge)

	if cfg.Registration.Enabled {
		iat := ""
		if cfg.Registration.InitialAccessTokenFile != "" {
			if iat, err = config.ReadSecretFile(cfg.Registration.InitialAccessTokenFile); err != nil {
				return nil, err
			}
		}
		reg := registry.RegistrationHandler(clients.RegistrationOptions{
			Issuer: cfg.Issuer, InitialAccessToken: iat, Open: cfg.Registration.Open(cfg.Dev), AllowHTTPRedirects: cfg.Dev,
		})
		// The handler's paths are relative to the issuer; the server hands
		// a mounted handler the full path, issuer's path included.
		a.Server.Mount(registerPath, http.StripPrefix(issuerPath(cfg.Issuer), reg)) // and everything below it
	}
	if err := a.mountPages(opt); err != nil {
		return nil, err
	}
	a.handler = a.Server.Handler()
	return a, nil
}

// Handler serves everything under the issuer.
func (a *App) Handler() http.Handler { return a.handler }

// Close releases the store and anything else New opened.
func (a *App) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	return errors.Join(errs...)
}

// NewKeys returns the signing-key manager the config describes.
func NewKeys(cfg *config.Config, b store.Backend, master []byte, now func() time.Time) (*keys.Manager, error) {
	publish := cfg.Keys.PublishDelay
	if publish == 0 {
		publish = keys.NoDelay
	}
	return keys.New(b, master, keys.Options{
		PublishDelay: publish, MaxTokenTTL: cfg.Tokens.MaxTokenTTL(),
		Algorithms: []jose.SignatureAlgorithm{jose.SignatureAlgorithm(cfg.Tokens.SigningAlg)}, Now: now,
	})
}

// OpenStore opens the backend the config names.
func OpenStore(cfg *config.Config, log *slog.Logger) (store.Backend, error) {
	if cfg.Store.Backend == config.BackendRedis {
		r := cfg.Store.Redis
		uo := &goredis.UniversalOptions{
			Addrs: r.Addrs, MasterName: r.MasterName, Username: r.Username, DB: r.DB, IsClusterMode: r.Cluster,
			// RESP2: under RESP3 go-redis checks for push notifications
			// around every command (4 % of the provider's CPU in
			// docs/load.md), and the store uses none. The store's
			// conformance suite runs over both.
			Protocol: 2,
		}
		if r.PasswordFile != "" {
			pw, err := config.ReadSecretFile(r.PasswordFile)
			if err != nil {
				return nil, err
			}
			uo.Password = pw
		}
		if r.TLS {
			uo.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		return redis.New(goredis.NewUniversalClient(uo), &redis.Options{Prefix: r.KeyPrefix})
	}
	if err := os.MkdirAll(filepath.Dir(cfg.Store.Bolt.Path), 0o700); err != nil {
		return nil, err
	}
	return bolt.Open(cfg.Store.Bolt.Path, &bolt.Options{Logger: log})
}

// newVerifier builds the card verifier: the configured roots (pinned in
// production; plus the test CA's in dev), policies, and revocation through a
// cache in front of OCSP and the configured CRLs.
func newVerifier(cfg *config.Config, ca *testca.CA, opt Options) (*verify.Verifier, error) {
	mode := verify.Production
	if cfg.JPKI.Mode == config.ModeTest {
		mode = verify.Test
	}
	roots := verify.NewRoots(mode)
	if len(cfg.JPKI.Roots) > 0 || mode == verify.Production {
		var err error
		if roots, err = verify.LoadRoots(cfg.JPKI.Roots, mode); err != nil {
			return nil, err
		}
	}
	if ca != nil {
		for _, k := range []testca.Kind{testca.Auth, testca.Sign} {
			if err := roots.AddTestRoot(ca.Root(k)); err != nil {
				return nil, err
			}
		}
	}
	// Validate has checked the OIDs.
	authPolicies, signPolicies := config.Policies(cfg.JPKI.AuthPolicies), config.Policies(cfg.JPKI.SignPolicies)
	rc := cfg.JPKI.Revocation
	var chain revocation.Chain
	if rc.OCSP.Enabled {
		chain = append(chain, &revocation.OCSPSource{URL: rc.OCSP.URL, Timeout: rc.OCSP.Timeout, Now: opt.Now})
	}
	for _, c := range rc.CRLs {
		loc := c.Path
		if loc == "" {
			loc = c.URL
		}
		src, err := revocation.NewCRLSource(revocation.CRLConfig{Location: loc, Now: opt.Now})
		if err != nil {
			return nil, err
		}
		chain = append(chain, src)
	}
	return verify.New(verify.Config{
		Roots: roots, AuthPolicies: authPolicies, SignPolicies: signPolicies,
		Revocation: revocation.NewCache(chain, revocation.CacheConfig{GoodTTL: rc.GoodTTL, Now: opt.Now}),
		SoftFail:   rc.SoftFail, Now: opt.Now,
	})
}

// randomSecret returns n random bytes as base64url.
func randomSecret(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// issuerPath is the path of the issuer URL, without a trailing slash ("" at
// the root). The config checked that the issuer parses.
func issuerPath(issuer string) string {
	u, err := url.Parse(issuer)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.Path, "/")
}
