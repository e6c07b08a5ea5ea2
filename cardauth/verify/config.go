package verify

import (
	"encoding/asn1"
	"errors"
	"slices"
	"sync/atomic"
	"time"

	"github.com/inkan-id/inkan/cardauth/profile"
	"github.com/inkan-id/inkan/cardauth/revocation"
)

// Purpose is what the card signed for, and so which certificate it must
// have used.
type Purpose int

const (
	// Auth is a login with the user-authentication (利用者証明用) certificate.
	Auth Purpose = iota
	// Sign is an eKYC signing with the digital-signature (署名用)
	// certificate.
	Sign
)

// String returns "auth" or "sign".
func (p Purpose) String() string {
	if p == Sign {
		return "sign"
	}
	return "auth"
}

// Defaults for Config.
const (
	DefaultMaxCertSize = 4096 // jpki.md §7 step 3; real auth certs are ~1.6 KB
	DefaultClockSkew   = 60 * time.Second
)

// Config configures a Verifier.
type Config struct {
	// Roots are the trust anchors (required).
	Roots *Roots
	// AuthPolicies and SignPolicies are the certificate policies accepted
	// for each purpose; the certificate must carry at least one. Defaults:
	// profile.PolicyAuth and profile.PolicySign. Smartphone and
	// next-generation policies are added here by configuration (jpki.md
	// §4.6, §10).
	AuthPolicies, SignPolicies []asn1.ObjectIdentifier
	// Revocation answers revocation status (required; put a
	// revocation.Cache in front of a network source). For Purpose Sign,
	// a checker that implements revocation.FreshChecker (a Cache does) is
	// asked with CheckFresh, so that eKYC signing never relies on a cached
	// Good answer (jpki.md §6.2); logins use Check and the cache's TTL.
	Revocation revocation.Checker
	// SoftFail, when positive, bounds how long a revocation outage may let
	// logins (Purpose Auth) through (design.md rule 6): while the last
	// definitive decision (Good or Revoked) of the revocation source is at
	// most SoftFail old, an Unknown or failed check is accepted and the
	// Result is marked SoftFailed. Past that bound, and before the first
	// definitive answer since start, it fails closed. Zero always fails
	// closed. Signing never soft-fails.
	//
	// The age is that of the decision (revocation.Result.CheckedAt), not of
	// the answer: answers a cache repeats do not extend the window, and a
	// checker that leaves CheckedAt zero never opens it.
	SoftFail time.Duration
	// MaxCertSize caps the certificate DER (default DefaultMaxCertSize).
	MaxCertSize int
	// ClockSkew tolerates clock differences with the agent when checking
	// the client_data time (default DefaultClockSkew).
	ClockSkew time.Duration
	// Now returns the current time (default time.Now).
	Now func() time.Time
}

// Verifier checks card responses. It is safe for concurrent use.
type Verifier struct {
	roots        *Roots
	authPolicies []asn1.ObjectIdentifier
	signPolicies []asn1.ObjectIdentifier
	rev          revocation.Checker
	// revFresh is rev when it is a FreshChecker, asked for signing.
	revFresh revocation.FreshChecker
	softFail time.Duration
	// lastDefinitive is the Unix nanosecond time of the latest Good or
	// Revoked decision of the revocation source (its CheckedAt, at most
	// our now), which starts the soft-fail window. It only moves forward.
	lastDefinitive atomic.Int64
	maxCertSize    int
	skew           time.Duration
	now            func() time.Time
}

// New returns a Verifier for cfg.
func New(cfg Config) (*Verifier, error) {
	if cfg.Roots == nil || cfg.Roots.Len() == 0 {
		return nil, errors.New("verify: no roots configured")
	}
	if cfg.Revocation == nil {
		return nil, errors.New("verify: no revocation checker configured (use revocation.NewStatic only in tests)")
	}
	v := &Verifier{
		roots:        cfg.Roots,
		authPolicies: slices.Clone(cfg.AuthPolicies),
		signPolicies: slices.Clone(cfg.SignPolicies),
		rev:          cfg.Revocation,
		softFail:     cfg.SoftFail,
		maxCertSize:  cfg.MaxCertSize,
		skew:         cfg.ClockSkew,
		now:          cfg.Now,
	}
	v.revFresh, _ = cfg.Revocation.(revocation.FreshChecker)
	if len(v.authPolicies) == 0 {
		v.authPolicies = []asn1.ObjectIdentifier{profile.PolicyAuth}
	}
	if len(v.signPolicies) == 0 {
		v.signPolicies = []asn1.ObjectIdentifier{profile.PolicySign}
	}
	if cfg.Roots.Mode() == Production {
		for _, p := range slices.Concat(v.authPolicies, v.signPolicies) {
			if p.Equal(profile.PolicyTestSign) {
				return nil, errors.New("verify: the JPKI-TEST signature policy is refused in production mode")
			}
		}
	}
	if v.maxCertSize <= 0 {
		v.maxCertSize = DefaultMaxCertSize
	}
	if v.skew <= 0 {
		v.skew = DefaultClockSkew
	}
	if v.now == nil {
		v.now = time.Now
	}
	return v, nil
}
