package demo

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// RPConfig configures the demo relying party. The client must be
// registered at the provider with RedirectURL as redirect URI, the RP's
// base URL (RedirectURL without "/callback") as post-logout redirect URI,
// the authorization_code grant and client_secret_basic or _post.
type RPConfig struct {
	// Issuer is the provider's issuer URL (required).
	Issuer string
	// ClientID and ClientSecret are the demo client's credentials
	// (required).
	ClientID     string
	ClientSecret string
	// RedirectURL is the callback, ending in "/callback", e.g.
	// http://127.0.0.1:8080/demo/callback (required). The RP's pages live
	// at its parent path.
	RedirectURL string
	// HTTPClient reaches the provider for discovery, token, keys and
	// userinfo (default http.DefaultClient with a 30 s timeout).
	HTTPClient *http.Client
	// CookieKey signs the short-lived cookie holding state, nonce and the
	// PKCE verifier (at least 32 bytes; random when empty, so a restart
	// only breaks logins in flight).
	CookieKey []byte
	// Log receives one line per sign-in (default slog.Default()).
	Log *slog.Logger
	// Now is the clock of the state cookie (default time.Now).
	Now func() time.Time
}

// RP is the demo relying party: a real OIDC client of the provider.
type RP struct {
	cfg       RPConfig
	prefix    string // path of the RP's pages, e.g. /demo
	baseURL   string // absolute URL of the RP's home page
	secure    bool
	client    *http.Client
	log       *slog.Logger
	now       func() time.Time
	cookieKey []byte

	mu       sync.Mutex
	provider *oidc.Provider
	endSess  string
}

// Scopes the demo asks for: a plain login, and an eKYC login that needs
// the signature certificate.
var (
	scopesLogin = []string{oidc.ScopeOpenID}
	scopesEKYC  = []string{oidc.ScopeOpenID, "verified_claims"}
)

// NewRP checks cfg and returns the RP. Discovery happens on first use, so
// the RP can be built before the provider serves.
func NewRP(cfg RPConfig) (*RP, error) {
	switch {
	case cfg.Issuer == "":
		return nil, errors.New("demo: rp: Issuer is required")
	case cfg.ClientID == "" || cfg.ClientSecret == "":
		return nil, errors.New("demo: rp: ClientID and ClientSecret are required")
	case len(cfg.CookieKey) > 0 && len(cfg.CookieKey) < 32:
		return nil, errors.New("demo: rp: CookieKey must be at least 32 bytes")
	}
	u, err := url.Parse(cfg.RedirectURL)
	if err != nil || u.Host == "" || !strings.HasSuffix(u.Path, "/callback") || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("demo: rp: RedirectURL %q must be an absolute URL ending in /callback", cfg.RedirectURL)
	}
	if strings.TrimSuffix(u.Path, "/callback") == "" {
		return nil, fmt.Errorf("demo: rp: RedirectURL %q must have a path before /callback, e.g. /demo/callback", cfg.RedirectURL)
	}
	rp := &RP{
		cfg:       cfg,
		prefix:    strings.TrimSuffix(u.Path, "/callback"),
		secure:    u.Scheme == "https",
		client:    cfg.HTTPClient,
		log:       cfg.Log,
		now:       cfg.Now,
		cookieKey: cfg.CookieKey,
	}
	rp.baseURL = strings.TrimSuffix(cfg.RedirectURL, "/callback")
	if rp.client == nil {
		rp.client = &http.Client{Timeout: 30 * time.Second}
	}
	if rp.log == nil {
		rp.log = slog.Default()
	}
	rp.log = rp.log.With("component", "demo-rp")
	if rp.now == nil {
		rp.now = time.Now
	}
	if len(rp.cookieKey) == 0 {
		rp.cookieKey = make([]byte, 32)
		rand.Read(rp.cookieKey)
	}
	return rp, nil
}

// BaseURL is the RP's home page, the post-logout redirect URI to register.
func (rp *RP) BaseURL() string { return rp.baseURL }

// discover returns the provider, fetching discovery once it works.
func (rp *RP) discover(ctx context.Context) (*oidc.Provider, string, error) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.provider != nil {
		return rp.provider, rp.endSess, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, rp.client), rp.cfg.Issuer)
	if err != nil {
		return nil, "", err
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := p.Claims(&meta); err != nil {
		return nil, "", err
	}
	rp.provider, rp.endSess = p, meta.EndSession
	return p, meta.EndSession, nil
}

func (rp *RP) oauth2Config(p *oidc.Provider, scopes []string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     rp.cfg.ClientID,
		ClientSecret: rp.cfg.ClientSecret,
		Endpoint:     p.Endpoint(),
		RedirectURL:  rp.cfg.RedirectURL,
		Scopes:       scopes,
	}
}

// flow is what the RP remembers between /login and /callback, in a signed
// HttpOnly cookie: nothing on the server, so any instance can finish.
type flow struct {
	State    string   `json:"s"`
	Nonce    string   `json:"n"`
	Verifier string   `json:"v"`
	Scopes   []string `json:"sc"`
	Expires  int64    `json:"e"`
}

const (
	flowCookie = "inkan-demo-flow"
	flowTTL    = 10 * time.Minute
)

// seal encodes f as payload.mac.
func (rp *RP) seal(f flow) string {
	b, _ := json.Marshal(f)
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + base64.RawURLEncoding.EncodeToString(rp.mac(payload))
}

// open checks the MAC and the expiry of a sealed flow.
func (rp *RP) open(v string) (flow, error) {
	payload, sig, ok := strings.Cut(v, ".")
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(mac, rp.mac(payload)) {
		return flow{}, errors.New("demo: rp: flow cookie is not ours")
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	var f flow
	if err != nil || json.Unmarshal(b, &f) != nil {
		return flow{}, errors.New("demo: rp: flow cookie does not decode")
	}
	if rp.now().Unix() > f.Expires {
		return flow{}, errors.New("demo: rp: sign-in took too long")
	}
	return f, nil
}

func (rp *RP) mac(payload string) []byte {
	m := hmac.New(sha256.New, rp.cookieKey)
	m.Write([]byte("inkan demo flow v1\x00" + payload))
	return m.Sum(nil)
}

func (rp *RP) flowCookie(value string, maxAge int) *http.Cookie {
	// Lax, not Strict: the callback arrives as a top-level redirect from
	// the provider, which counts as cross-site when they are on different
	// sites.
	return &http.Cookie{Name: flowCookie, Value: value, Path: rp.prefix, MaxAge: maxAge,
		Secure: rp.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode}
}
