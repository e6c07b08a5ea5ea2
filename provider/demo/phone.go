package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/inkan-id/inkan/cardauth/vcard"
	"github.com/inkan-id/inkan/cardauth/vcard/testca"
	mobilebridge "github.com/inkan-id/inkan/mobile-bridge"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

// PathPhone is the virtual phone's path below the issuer.
const PathPhone = "/dev/phone"

// The synthetic holder of a card the phone issues itself (the same as
// `inkan vcard new` and `inkan demo`). Never a real person.
const (
	DefaultAuthPIN      = "1234"
	DefaultSignPassword = "ABC123"
)

var defaultHolder = testca.Holder{Name: "山田　太郎", Birthdate: "1990-01-02", Address: "東京都千代田区千代田１－１", Gender: "1"}

// PhoneConfig configures the virtual phone. Give either Card (with CardMu
// if others use the card too) or CardPath and CADir.
type PhoneConfig struct {
	// Issuer is the provider's issuer URL (required). The phone answers
	// only bridge links under it, so the page cannot be used to make this
	// server send requests elsewhere.
	Issuer string
	// Card is a ready virtual card. When nil, CardPath is loaded, or
	// issued with the test CA in CADir (created if missing) and saved.
	Card *vcard.Card
	// CardMu serialises use of Card: one card session at a time, like a
	// real card on one phone. Optional; a private one is used when nil.
	CardMu *sync.Mutex
	// CardPath is the card file, e.g. inkan-data/dev-card.json.
	CardPath string
	// CADir is the test CA folder, e.g. inkan-data/testca. The provider's
	// verifier must trust this CA's roots.
	CADir string
	// HTTPClient reaches the bridge endpoints at the issuer (default: the
	// mobile-bridge client, 30 s timeout).
	HTTPClient *http.Client
	// Log receives one line per tap: outcome only, never the PIN, the
	// link or the secret (default slog.Default()).
	Log *slog.Logger
	// Now is the clock for issuing a card and for client_data (default
	// time.Now).
	Now func() time.Time
}

// Phone is the virtual phone: pages at /dev/phone and AutoTap.
type Phone struct {
	card     *vcard.Card
	mu       *sync.Mutex
	base     string // issuer path
	linkBase string // protocol.IssuerBase(issuer)
	client   *http.Client
	log      *slog.Logger
	now      func() time.Time
	csrf     csrf
	// claim is this phone's claim token: one virtual phone is one device,
	// so its page, its taps and AutoTap all hold the same claim.
	claim string
}

// NewPhone checks cfg, loads or issues the card, and returns the phone.
func NewPhone(cfg PhoneConfig) (*Phone, error) {
	linkBase, err := protocol.IssuerBase(cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("demo: phone: issuer: %w", err)
	}
	u, _ := url.Parse(cfg.Issuer)
	p := &Phone{
		card:     cfg.Card,
		mu:       cfg.CardMu,
		base:     strings.TrimSuffix(u.EscapedPath(), "/"),
		linkBase: linkBase,
		client:   cfg.HTTPClient,
		log:      cfg.Log,
		now:      cfg.Now,
		claim:    protocol.NewClaimToken(),
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	p.log = p.log.With("component", "dev-phone")
	if p.now == nil {
		p.now = time.Now
	}
	if p.mu == nil {
		p.mu = new(sync.Mutex)
	}
	if p.card == nil {
		if cfg.CardPath == "" {
			return nil, errors.New("demo: phone: give Card or CardPath")
		}
		if p.card, err = loadOrIssueCard(cfg.CardPath, cfg.CADir, p.now()); err != nil {
			return nil, err
		}
	}
	p.csrf = csrf{name: "inkan-phone-csrf", path: p.base + PathPhone, secure: u.Scheme == "https"}
	return p, nil
}

// loadOrIssueCard loads the card file, issuing a new card with the test CA
// when there is none.
func loadOrIssueCard(path, caDir string, now time.Time) (*vcard.Card, error) {
	if _, err := os.Stat(path); err == nil {
		return vcard.Load(path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("demo: phone: %w", err)
	}
	if caDir == "" {
		return nil, errors.New("demo: phone: no card file and no CADir to issue one")
	}
	ca, err := testca.LoadOrCreate(caDir, now)
	if err != nil {
		return nil, fmt.Errorf("demo: phone: %w", err)
	}
	f, err := vcard.Issue(ca, vcard.Spec{AuthPIN: DefaultAuthPIN, SignPassword: DefaultSignPassword, Holder: defaultHolder}, now)
	if err != nil {
		return nil, fmt.Errorf("demo: phone: %w", err)
	}
	// The CA remembers what it issued (for OCSP "good" answers).
	if err := ca.Save(caDir); err != nil {
		return nil, fmt.Errorf("demo: phone: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("demo: phone: %w", err)
	}
	if err := vcard.WriteFile(path, f); err != nil {
		return nil, fmt.Errorf("demo: phone: %w", err)
	}
	return vcard.Load(path)
}

// ErrForeignLink refuses a bridge link of another provider.
var ErrForeignLink = errors.New("demo: phone: the link is not for this provider")

// parseLink parses a link (https or inkan:// form) and checks that it
// belongs to this issuer.
func (p *Phone) parseLink(raw string) (*protocol.Link, error) {
	l, err := protocol.ParseLink(strings.TrimSpace(raw))
	if err != nil {
		return nil, err
	}
	if l.Origin()+l.Prefix != p.linkBase {
		return nil, ErrForeignLink
	}
	return l, nil
}

func (p *Phone) options(confirmLastTry bool) *mobilebridge.Options {
	return &mobilebridge.Options{HTTPClient: p.client, Now: p.now, ConfirmLastTry: confirmLastTry, ClaimToken: p.claim}
}

// tap answers link with the card and pin, holding the card for the whole
// session.
func (p *Phone) tap(ctx context.Context, link *protocol.Link, pin func(*mobilebridge.Session) string, confirm bool) (*mobilebridge.Result, error) {
	s, err := mobilebridge.Fetch(ctx, link.String(), p.options(confirm))
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return s.Answer(ctx, p.card, pin(s))
}

// AutoTap answers the bridge link with the card's own PIN (or signature
// password, for a sign transaction), read from the card file. It is the
// login pages' dev auto-complete (login.Config.DevAutoTap). It never
// confirms a last try: a card at one try left stays as it is.
func (p *Phone) AutoTap(ctx context.Context, link string) error {
	l, err := p.parseLink(link)
	if err != nil {
		return err
	}
	_, err = p.tap(ctx, l, func(s *mobilebridge.Session) string {
		f := p.card.File()
		if s.Transaction.Purpose == protocol.PurposeSign && f.Sign != nil {
			return f.Sign.Password
		}
		return f.Auth.PIN
	}, false)
	p.log.InfoContext(ctx, "auto-tap", "tx", l.ID, "outcome", outcomeCode(err))
	return err
}
