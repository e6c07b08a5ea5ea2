package bridge

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/inkan-id/inkan/cardauth/clientdata"
	"github.com/inkan-id/inkan/cardauth/verify"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
	"github.com/inkan-id/inkan/provider/store"
)

// Limits and defaults.
const (
	// MaxTTL is the longest a transaction may live (design.md step 2); it
	// is also the default.
	MaxTTL = 3 * time.Minute
	// DefaultMaxAttempts is how many rejected answers a transaction takes
	// before it fails for good.
	DefaultMaxAttempts = 3
	// Namespace is the store namespace of transaction records.
	Namespace = "tx"
)

// Timing of the answer path. They are variables so that tests can shorten
// them; production code never changes them.
var (
	// retention keeps a record this long after expiry, so a late or
	// replayed answer is told "expired" or "already used", not "not found".
	retention = 10 * time.Minute
	// workTimeout bounds verification plus completion of one answer.
	workTimeout = 20 * time.Second
	// pollInterval is how often the events stream reads the record.
	pollInterval = 300 * time.Millisecond
	// heartbeat keeps proxies from closing an idle event stream.
	heartbeat = 15 * time.Second
)

// Config configures a Service.
type Config struct {
	// Backend stores the transactions (required).
	Backend store.Backend
	// Verifier checks card answers (required).
	Verifier *verify.Verifier
	// Issuer is the provider's issuer URL (required). Links are built
	// under it, and its origin is the only client_data origin accepted.
	Issuer string
	// TTL is the lifetime of a transaction: default and maximum MaxTTL.
	TTL time.Duration
	// MaxAttempts is the number of rejected answers after which a
	// transaction fails (default DefaultMaxAttempts).
	MaxAttempts int
	// Completer finishes the auth request of a verified login (required).
	Completer Completer
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Log receives one line per answer, never with secrets, nonces,
	// signatures or personal data (default slog.Default()).
	Log *slog.Logger
}

// Service runs card transactions. It is safe for concurrent use, and
// several provider instances may share one Backend.
type Service struct {
	backend     store.Backend
	verifier    *verify.Verifier
	completer   Completer
	issuerBase  string // issuer URL without trailing slash
	origin      string // clientdata origin of the issuer
	ttl         time.Duration
	maxAttempts int
	now         func() time.Time
	log         *slog.Logger
	streams     streamCount // open event streams
}

// New checks cfg and returns a Service.
func New(cfg Config) (*Service, error) {
	switch {
	case cfg.Backend == nil:
		return nil, errors.New("bridge: no store backend configured")
	case cfg.Verifier == nil:
		return nil, errors.New("bridge: no verifier configured")
	case cfg.Completer == nil:
		return nil, errors.New("bridge: no completer configured")
	case cfg.TTL < 0 || cfg.TTL > MaxTTL:
		return nil, fmt.Errorf("bridge: TTL %s outside 0–%s", cfg.TTL, MaxTTL)
	case cfg.MaxAttempts < 0:
		return nil, fmt.Errorf("bridge: MaxAttempts %d is negative", cfg.MaxAttempts)
	}
	base, err := protocol.IssuerBase(cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("bridge: issuer %q: %w", cfg.Issuer, err)
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("bridge: issuer %q: %w", cfg.Issuer, err)
	}
	origin, err := clientdata.OriginOf(u)
	if err != nil {
		return nil, fmt.Errorf("bridge: issuer %q: %w", cfg.Issuer, err)
	}
	s := &Service{
		backend:     cfg.Backend,
		verifier:    cfg.Verifier,
		completer:   cfg.Completer,
		issuerBase:  base,
		origin:      origin,
		ttl:         cfg.TTL,
		maxAttempts: cfg.MaxAttempts,
		now:         cfg.Now,
		log:         cfg.Log,
	}
	if s.ttl == 0 {
		s.ttl = MaxTTL
	}
	if s.maxAttempts == 0 {
		s.maxAttempts = DefaultMaxAttempts
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s, nil
}

// Origin returns the only origin accepted in client_data.
func (s *Service) Origin() string { return s.origin }
