package login

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/inkan-id/inkan/mobile-bridge/protocol"
	"github.com/inkan-id/inkan/provider/bridge"
	"github.com/inkan-id/inkan/provider/server"
)

// Server is what the pages need from the OIDC core. *server.Server
// implements it.
type Server interface {
	// LoginInfo describes a pending auth request; unknown or expired ids
	// give an error wrapping bridge.ErrBindingGone (server.ErrUnknownRequest).
	LoginInfo(ctx context.Context, authReqID string) (*server.LoginInfo, error)
	// SameBrowser reports whether a request with header h comes from the
	// browser that started the auth request; the pages show nothing of
	// it to another.
	SameBrowser(info *server.LoginInfo, h http.Header) bool
	// RenewTx gives the auth request a new card transaction, which
	// replaces its current one, and returns it.
	RenewTx(ctx context.Context, authReqID string) (*bridge.Created, error)
	// Consent records the user's answer and returns where to send the
	// browser.
	Consent(ctx context.Context, authReqID string, granted bool) (string, error)
	// Issuer is the issuer URL: its path prefixes every page and the
	// bridge endpoints, its scheme decides the cookies' Secure flag.
	Issuer() string
}

// Bridge reports the state of card transactions.
// *bridge.Service implements it.
type Bridge interface {
	Status(ctx context.Context, id, browserToken string) (protocol.Status, error)
}

// AutoTapper answers a bridge link with a virtual card, as a phone would.
// The dev virtual phone (provider/demo) implements it.
type AutoTapper interface {
	AutoTap(ctx context.Context, link string) error
}

// Config configures a Handler.
type Config struct {
	// Server is the OIDC core (required).
	Server Server
	// Bridge creates the card transactions (required).
	Bridge Bridge
	// Dev shows the development banner on every page and links the
	// virtual phone. Never set it in production.
	Dev bool
	// DevAutoTap makes GET /login answer its own transaction with the dev
	// virtual card and move on, for conformance tooling. It needs Dev and
	// AutoTapper.
	DevAutoTap bool
	// AutoTapper answers transactions when DevAutoTap is set.
	AutoTapper AutoTapper
	// DevPhonePath is the virtual phone's path below the issuer (default
	// "/dev/phone"); linked only when Dev is set.
	DevPhonePath string
	// Log receives one line per failure, never with tokens, links or
	// personal data (default slog.Default()).
	Log *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Configuration errors of New.
var (
	// ErrAutoTapNeedsDev refuses DevAutoTap outside development mode.
	ErrAutoTapNeedsDev = errors.New("login: DevAutoTap is allowed only with Dev")
	// ErrAutoTapNeedsTapper refuses DevAutoTap without an AutoTapper.
	ErrAutoTapNeedsTapper = errors.New("login: DevAutoTap needs an AutoTapper")
)

// DefaultDevPhonePath is where provider/demo serves the virtual phone.
const DefaultDevPhonePath = "/dev/phone"

// Handler serves the login and consent pages. Create it with New.
type Handler struct {
	srv      Server
	bridge   Bridge
	dev      bool
	autoTap  bool
	tapper   AutoTapper
	log      *slog.Logger
	now      func() time.Time
	base     string // issuer path: "" or "/idp"
	phone    string // full path of the virtual phone
	secure   bool   // https issuer: Secure, __Host- cookies
	linkBase string // protocol.IssuerBase of the issuer, for checking links
}

// New checks cfg and returns a Handler.
func New(cfg Config) (*Handler, error) {
	switch {
	case cfg.Server == nil:
		return nil, errors.New("login: Config.Server is required")
	case cfg.Bridge == nil:
		return nil, errors.New("login: Config.Bridge is required")
	case cfg.DevAutoTap && !cfg.Dev:
		return nil, ErrAutoTapNeedsDev
	case cfg.DevAutoTap && cfg.AutoTapper == nil:
		return nil, ErrAutoTapNeedsTapper
	}
	iss := cfg.Server.Issuer()
	u, err := url.Parse(iss)
	if err != nil || u.Host == "" {
		return nil, errors.New("login: the server's issuer is not an absolute URL")
	}
	linkBase, err := protocol.IssuerBase(iss)
	if err != nil {
		return nil, errors.New("login: the server's issuer cannot carry bridge links: " + err.Error())
	}
	h := &Handler{
		srv:      cfg.Server,
		bridge:   cfg.Bridge,
		dev:      cfg.Dev,
		autoTap:  cfg.DevAutoTap,
		tapper:   cfg.AutoTapper,
		log:      cfg.Log,
		now:      cfg.Now,
		base:     strings.TrimSuffix(u.EscapedPath(), "/"),
		secure:   u.Scheme == "https",
		linkBase: linkBase,
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	h.log = h.log.With("component", "login")
	if h.now == nil {
		h.now = time.Now
	}
	phone := cfg.DevPhonePath
	if phone == "" {
		phone = DefaultDevPhonePath
	}
	h.phone = h.base + phone
	return h, nil
}
