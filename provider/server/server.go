package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	jose "github.com/go-jose/go-jose/v4"
	httphelper "github.com/zitadel/oidc/v3/pkg/http"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/inkan-id/inkan/provider/clients"
	"github.com/inkan-id/inkan/provider/keys"
	"github.com/inkan-id/inkan/provider/store"
)

// Config configures a Server. Issuer, Backend, Clients, Keys and MasterKey
// are required; every duration has a default (see New).
type Config struct {
	// Issuer is the issuer identifier: an https URL without query,
	// fragment or trailing slash (http only when Dev is set).
	Issuer string
	// Backend holds every record the provider keeps.
	Backend store.Backend
	// Clients resolves and authenticates relying parties.
	Clients *clients.Registry
	// Keys signs ID tokens and JWT access tokens and publishes the JWKS.
	Keys *keys.Manager
	// MasterKey (at least 32 bytes) is the root of the keys derived here:
	// the pairwise-subject key, the key that encrypts personal attributes
	// and the key that seals secrets kept in records. It must be the same
	// on every instance and across restarts, or subjects change.
	MasterKey []byte

	// CodeTTL bounds an authorization code's life (default and maximum
	// 60 s, FAPI 2.0 §5.3.2.1-11).
	CodeTTL time.Duration
	// AccessTokenTTL is an access token's life (default 10 min).
	AccessTokenTTL time.Duration
	// IDTokenTTL is an ID token's life (default 10 min).
	IDTokenTTL time.Duration
	// RefreshTokenTTL is a refresh token's life (default 30 days).
	RefreshTokenTTL time.Duration
	// RefreshGrace is how long after a rotation the old refresh token still
	// yields the same successor instead of revoking the family (default
	// 10 s), so concurrent refreshes do not log the user out.
	RefreshGrace time.Duration
	// SessionTTL is the browser SSO session's life (default 8 h).
	SessionTTL time.Duration
	// AuthRequestTTL is how long a login may take (default 10 min).
	AuthRequestTTL time.Duration

	// DefaultAlg signs ID tokens of clients that name no
	// id_token_signed_response_alg, and every JWT access token (default
	// ES256).
	DefaultAlg jose.SignatureAlgorithm
	// SessionCookie is the browser session cookie's name (default
	// "inkan_session").
	SessionCookie string
	// RegistrationPath, when set (e.g. "/register"), is advertised as the
	// registration_endpoint; the caller mounts the handler there.
	RegistrationPath string

	// Dev allows an http issuer and drops the cookie's Secure flag on one.
	Dev bool
	// Log receives structured JSON logs; nil means slog.Default().
	Log *slog.Logger
	// Now is the clock; nil means time.Now. Tests step it over TTLs.
	Now func() time.Time
}

// Defaults and limits.
const (
	maxCodeTTL            = 60 * time.Second
	defaultAccessTokenTTL = 10 * time.Minute
	defaultIDTokenTTL     = 10 * time.Minute
	defaultRefreshTTL     = 30 * 24 * time.Hour
	defaultRefreshGrace   = 10 * time.Second
	defaultSessionTTL     = 8 * time.Hour
	defaultAuthRequestTTL = 10 * time.Minute
	defaultCookieName     = "inkan_session"
)

// Endpoint paths, relative to the issuer.
const (
	pathAuthorize  = "/authorize"
	pathCallback   = "/authorize/callback"
	pathToken      = "/token"
	pathUserinfo   = "/userinfo"
	pathIntrospect = "/introspect"
	pathRevoke     = "/revoke"
	pathEndSession = "/end_session"
	pathJWKS       = "/jwks"
	pathDiscovery  = "/.well-known/openid-configuration"
	pathOAuthMeta  = "/.well-known/oauth-authorization-server"
	pathHealth     = "/healthz"
	pathReady      = "/readyz"
)

// Server is the OpenID provider. Create it with New, add the pages that
// live beside it with Mount, then serve Handler.
type Server struct {
	*op.LegacyServer

	cfg      Config
	issuer   string
	basePath string // the issuer's path, "" for a bare host
	backend  store.Backend
	clients  clientDirectory
	keys     keySource
	log      *slog.Logger
	now      func() time.Time
	encoder  httphelper.Encoder

	pairwiseKey []byte  // HMAC key of pairwise subjects
	attrSeal    *sealer // personal attributes at rest
	secretSeal  *sealer // secrets kept inside records (session ids, successor tokens)

	secureCookie bool

	txs       Transactions // nil: the login page creates every transaction
	loginPage http.Handler // nil: /authorize redirects to the login page

	mu       sync.Mutex
	mounts   []mount
	handler  http.Handler
	finished bool
}

type mount struct {
	pattern string
	h       http.Handler
}

// New checks cfg, fills in defaults and builds the provider.
func New(cfg Config) (*Server, error) {
	if cfg.Clients == nil {
		return nil, errors.New("server: Config.Clients is required")
	}
	if cfg.Keys == nil {
		return nil, errors.New("server: Config.Keys is required")
	}
	return newServer(cfg, registryDirectory{cfg.Clients}, managerKeys{cfg.Keys})
}

// newServer is New with the registry and key manager behind the small
// interfaces this package uses.
func newServer(cfg Config, dir clientDirectory, ks keySource) (*Server, error) {
	if cfg.Backend == nil {
		return nil, errors.New("server: Config.Backend is required")
	}
	if len(cfg.MasterKey) < 32 {
		return nil, errors.New("server: Config.MasterKey must hold at least 32 bytes")
	}
	if err := op.ValidateIssuer(cfg.Issuer, cfg.Dev); err != nil {
		return nil, fmt.Errorf("server: issuer %q: %w", cfg.Issuer, err)
	}
	if strings.HasSuffix(cfg.Issuer, "/") {
		return nil, fmt.Errorf("server: issuer %q must not end with '/'", cfg.Issuer)
	}
	iu, _ := url.Parse(cfg.Issuer)
	switch {
	case cfg.CodeTTL <= 0 || cfg.CodeTTL > maxCodeTTL:
		cfg.CodeTTL = maxCodeTTL
	}
	if cfg.AccessTokenTTL <= 0 {
		cfg.AccessTokenTTL = defaultAccessTokenTTL
	}
	if cfg.IDTokenTTL <= 0 {
		cfg.IDTokenTTL = defaultIDTokenTTL
	}
	if cfg.RefreshTokenTTL <= 0 {
		cfg.RefreshTokenTTL = defaultRefreshTTL
	}
	if cfg.RefreshGrace <= 0 {
		cfg.RefreshGrace = defaultRefreshGrace
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = defaultSessionTTL
	}
	if cfg.AuthRequestTTL <= 0 {
		cfg.AuthRequestTTL = defaultAuthRequestTTL
	}
	if cfg.DefaultAlg == "" {
		cfg.DefaultAlg = jose.ES256
	}
	if !idTokenAlgSupported(cfg.DefaultAlg) {
		return nil, fmt.Errorf("server: DefaultAlg %q: want ES256, PS256 or RS256", cfg.DefaultAlg)
	}
	if cfg.SessionCookie == "" {
		cfg.SessionCookie = defaultCookieName
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}

	s := &Server{
		cfg:          cfg,
		issuer:       cfg.Issuer,
		basePath:     strings.TrimSuffix(iu.Path, "/"),
		backend:      cfg.Backend,
		clients:      dir,
		keys:         ks,
		log:          cfg.Log.With("component", "oidc"),
		now:          cfg.Now,
		encoder:      oidc.NewEncoder(),
		pairwiseKey:  deriveKey(cfg.MasterKey, "inkan/server/pairwise-subject/v1"),
		secureCookie: iu.Scheme == "https",
	}
	var err error
	if s.attrSeal, err = newSealer(deriveKey(cfg.MasterKey, "inkan/server/attributes/v1")); err != nil {
		return nil, err
	}
	if s.secretSeal, err = newSealer(deriveKey(cfg.MasterKey, "inkan/server/record-secrets/v1")); err != nil {
		return nil, err
	}

	// The library's Provider is only scaffolding for LegacyServer: every
	// method that would reach its Storage is overridden, so the adapter
	// refuses whatever it is asked (see opstorage.go).
	var cryptoKey [32]byte
	copy(cryptoKey[:], deriveKey(cfg.MasterKey, "inkan/server/zitadel-crypto/v1"))
	var opts []op.Option
	if iu.Scheme == "http" {
		opts = append(opts, op.WithAllowInsecure())
	}
	provider, err := op.NewProvider(&op.Config{
		CryptoKey:               cryptoKey,
		CodeMethodS256:          true,
		AuthMethodPost:          true,
		AuthMethodPrivateKeyJWT: true,
		GrantTypeRefreshToken:   true,
	}, opStorage{s}, op.StaticIssuer(cfg.Issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s.LegacyServer = op.NewLegacyServer(provider, op.Endpoints{
		Authorization: op.NewEndpoint(pathAuthorize),
		Token:         op.NewEndpoint(pathToken),
		Introspection: op.NewEndpoint(pathIntrospect),
		Userinfo:      op.NewEndpoint(pathUserinfo),
		Revocation:    op.NewEndpoint(pathRevoke),
		EndSession:    op.NewEndpoint(pathEndSession),
		JwksURI:       op.NewEndpoint(pathJWKS),
	})
	return s, nil
}

// Issuer returns the issuer identifier.
func (s *Server) Issuer() string { return s.issuer }

// Mount adds a handler beside the OIDC endpoints (login pages, the card
// bridge, registration, a demo RP). pattern is a chi pattern relative to
// the issuer, e.g. "/login" (which also serves "/login/..."). Mount must
// be called before Handler.
func (s *Server) Mount(pattern string, h http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished {
		panic("server: Mount after Handler")
	}
	s.mounts = append(s.mounts, mount{pattern, h})
}

// Handler returns the provider's HTTP handler: every endpoint under the
// issuer's path, plus what was mounted. It is built once.
func (s *Server) Handler() http.Handler {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.handler != nil {
		return s.handler
	}
	s.finished = true

	// Routes of our own live on a second router reached through the
	// library router's NotFound: chi refuses middleware after the first
	// route, and RegisterLegacyServer adds its own middleware after our
	// options, so WithSetRouter may not add routes directly. Going through
	// NotFound keeps every middleware (ours and the issuer interceptor) in
	// front of these routes too. The fresh routing context lets this router
	// match full paths.
	extra := chi.NewRouter()
	extra.HandleFunc(s.fullPath(pathReady), s.readyHandler)
	extra.HandleFunc(s.fullPath(pathLoggedOut), s.loggedOutHandler)
	extra.HandleFunc(s.fullPath(pathLogoutConfirm), s.logoutConfirmHandler)
	extra.HandleFunc(pathOAuthMeta+s.basePath, s.metadataHandler)
	for _, m := range s.mounts {
		extra.Mount(s.fullPath(m.pattern), m.h)
	}
	toExtra := func(w http.ResponseWriter, r *http.Request) {
		extra.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), chi.RouteCtxKey, nil)))
	}
	opHandler := op.RegisterLegacyServer(s, s.callbackHandler,
		op.WithServerCORSOptions(nil), // no blanket CORS: corsMiddleware picks the endpoints (D9)
		op.WithHTTPMiddleware(s.recoverMiddleware, s.logMiddleware, s.headerMiddleware, s.corsMiddleware, s.authorizeResponseMiddleware),
		op.WithSetRouter(func(r chi.Router) { r.NotFound(toExtra) }),
	)
	if s.basePath == "" {
		s.handler = opHandler
		return s.handler
	}
	// An issuer with a path: everything lives under the path, except RFC
	// 8414 §3's metadata, which sits at the host's root with the path
	// appended.
	root := chi.NewRouter()
	root.Mount(s.basePath, opHandler)
	root.HandleFunc(pathOAuthMeta+s.basePath, func(w http.ResponseWriter, r *http.Request) {
		opHandler.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), chi.RouteCtxKey, nil)))
	})
	s.handler = root
	return s.handler
}

// endpoint returns the absolute URL of an endpoint path.
func (s *Server) endpoint(path string) string { return s.issuer + path }

// fullPath returns the request path of an endpoint as the router sees it.
func (s *Server) fullPath(path string) string { return s.basePath + path }
