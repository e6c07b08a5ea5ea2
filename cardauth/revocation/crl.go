package revocation

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// CRL source defaults.
const (
	DefaultCRLMaxSize    = 64 << 20 // JPKI CRLs are large; 64 MiB is far above any seen
	DefaultCRLTimeout    = 60 * time.Second
	DefaultCRLRetryAfter = 30 * time.Second

	// crlSkew tolerates a CRL whose thisUpdate is slightly ahead of our
	// clock.
	crlSkew = 5 * time.Minute
)

// CRLConfig configures a CRLSource.
type CRLConfig struct {
	// Location is a file path or an http:// or https:// URL. The CRL may
	// be DER or PEM.
	Location string
	// Client fetches URLs; nil uses a client that does not follow
	// redirects.
	Client *http.Client
	// Timeout bounds one fetch (default DefaultCRLTimeout).
	Timeout time.Duration
	// MaxSize caps the CRL size in bytes (default DefaultCRLMaxSize).
	MaxSize int64
	// RetryAfter is how long a failed fetch is remembered before the next
	// attempt, so a down server is not hit by every verification
	// (default DefaultCRLRetryAfter).
	RetryAfter time.Duration
	// Now returns the current time (default time.Now).
	Now func() time.Time
}

// CRLSource answers from one X.509 CRL (RFC 5280), kept in memory and
// indexed by serial number. It loads the CRL on first use and again once the
// current time passes its nextUpdate; concurrent callers share one fetch.
//
// The CRL's signature is checked against the issuer passed to Check. A CRL
// of another issuer (other name, other key identifier, or another partition
// by Issuing Distribution Point) yields Unknown, never Good.
type CRLSource struct {
	cfg    CRLConfig
	source string

	cur atomic.Pointer[crlSnapshot]

	mu        sync.Mutex
	inflight  *crlFetch
	lastErr   error
	lastErrAt time.Time
}

// crlSnapshot is one loaded CRL. It is immutable except for the memo of
// the issuer key that verified its signature.
type crlSnapshot struct {
	*parsedCRL
	// verifiedSPKI is the RawSubjectPublicKeyInfo of the issuer whose
	// signature checked out, so the RSA verification runs once per CRL.
	verifiedSPKI atomic.Pointer[[]byte]
}

type crlFetch struct {
	done chan struct{}
	snap *crlSnapshot
	err  error
}

// NewCRLSource returns a CRLSource. It does not fetch anything until the
// first Check or Refresh.
func NewCRLSource(cfg CRLConfig) (*CRLSource, error) {
	if cfg.Location == "" {
		return nil, errors.New("revocation: CRL location is empty")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultCRLTimeout
	}
	if cfg.MaxSize <= 0 {
		cfg.MaxSize = DefaultCRLMaxSize
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = DefaultCRLRetryAfter
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &CRLSource{cfg: cfg, source: "crl:" + cfg.Location}, nil
}

// Refresh fetches the CRL now, whatever the state of the current one.
func (s *CRLSource) Refresh(ctx context.Context) error {
	_, err := s.fetchShared(ctx, true)
	return err
}

// Check implements Checker.
func (s *CRLSource) Check(ctx context.Context, cert, issuer *x509.Certificate) (Result, error) {
	now := s.cfg.Now()
	snap := s.cur.Load()
	if snap == nil || !now.Before(snap.list.NextUpdate) {
		var err error
		if snap, err = s.fetchShared(ctx, false); err != nil {
			return Result{Source: s.source, CheckedAt: now}, err
		}
	}
	return snap.check(cert, issuer, now, s.source)
}

// check answers from one snapshot.
func (snap *crlSnapshot) check(cert, issuer *x509.Certificate, now time.Time, source string) (Result, error) {
	res := Result{Source: source, CheckedAt: now, ThisUpdate: snap.list.ThisUpdate, NextUpdate: snap.list.NextUpdate}
	if now.Add(crlSkew).Before(snap.list.ThisUpdate) || !now.Before(snap.list.NextUpdate) {
		return res, fmt.Errorf("%w: CRL valid %s to %s", ErrStale, snap.list.ThisUpdate.UTC().Format(time.RFC3339), snap.list.NextUpdate.UTC().Format(time.RFC3339))
	}
	// Applicability: same issuer name, same issuer key (generations share
	// one DN, jpki.md §5.1), same partition.
	if !bytes.Equal(snap.list.RawIssuer, issuer.RawSubject) || !bytes.Equal(cert.RawIssuer, issuer.RawSubject) {
		return res, nil
	}
	if len(snap.list.AuthorityKeyId) > 0 && len(issuer.SubjectKeyId) > 0 && !bytes.Equal(snap.list.AuthorityKeyId, issuer.SubjectKeyId) {
		return res, nil
	}
	if !snap.scope.covers(cert) {
		return res, nil
	}
	if err := snap.verify(issuer); err != nil {
		return res, err
	}
	if e, ok := snap.revoked[serialKey(cert.SerialNumber)]; ok {
		res.Status, res.Reason, res.RevokedAt = Revoked, e.reason, e.at
		return res, nil
	}
	res.Status = Good
	return res, nil
}

// verify checks the CRL signature against issuer once per issuer key.
func (snap *crlSnapshot) verify(issuer *x509.Certificate) error {
	if p := snap.verifiedSPKI.Load(); p != nil && bytes.Equal(*p, issuer.RawSubjectPublicKeyInfo) {
		return nil
	}
	if err := snap.list.CheckSignatureFrom(issuer); err != nil {
		return fmt.Errorf("%w: CRL: %v", ErrBadSignature, err)
	}
	spki := issuer.RawSubjectPublicKeyInfo
	snap.verifiedSPKI.Store(&spki)
	return nil
}

// fetchShared returns a fresh snapshot, fetching at most once at a time.
// Callers that arrive during a fetch wait for it (or for their context).
func (s *CRLSource) fetchShared(ctx context.Context, force bool) (*crlSnapshot, error) {
	s.mu.Lock()
	now := s.cfg.Now()
	if snap := s.cur.Load(); !force && snap != nil && now.Before(snap.list.NextUpdate) {
		s.mu.Unlock()
		return snap, nil // another caller refreshed it meanwhile
	}
	f := s.inflight
	if f == nil {
		if !force && s.lastErr != nil && now.Sub(s.lastErrAt) < s.cfg.RetryAfter {
			err := s.lastErr
			s.mu.Unlock()
			return nil, err
		}
		f = &crlFetch{done: make(chan struct{})}
		s.inflight = f
		// The fetch runs detached so that one caller giving up does not
		// fail the others waiting on it; Timeout bounds it.
		go s.runFetch(context.WithoutCancel(ctx), f)
	}
	s.mu.Unlock()
	select {
	case <-f.done:
		return f.snap, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *CRLSource) runFetch(ctx context.Context, f *crlFetch) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	snap, err := s.load(ctx)
	s.mu.Lock()
	if err == nil {
		s.cur.Store(snap)
		s.lastErr = nil
	} else {
		s.lastErr, s.lastErrAt = err, s.cfg.Now()
	}
	s.inflight = nil
	f.snap, f.err = snap, err
	s.mu.Unlock()
	close(f.done)
}

// load reads and parses the CRL. A CRL that is already past its nextUpdate
// is an error (J-LIS may serve yesterday's CRL for a few minutes during the
// daily update, jpki.md §6.1); RetryAfter spaces the retries.
func (s *CRLSource) load(ctx context.Context) (*crlSnapshot, error) {
	var b []byte
	var err error
	if isURL(s.cfg.Location) {
		b, err = httpDo(ctx, s.cfg.Client, s.cfg.Location, nil, "", "application/pkix-crl", s.cfg.MaxSize)
	} else {
		b, err = readFile(s.cfg.Location, s.cfg.MaxSize)
	}
	if err != nil {
		return nil, fmt.Errorf("revocation: loading CRL %s: %w", s.cfg.Location, err)
	}
	p, err := parseCRL(b)
	if err != nil {
		return nil, fmt.Errorf("revocation: CRL %s: %w", s.cfg.Location, err)
	}
	now := s.cfg.Now()
	if !now.Before(p.list.NextUpdate) {
		return nil, fmt.Errorf("revocation: CRL %s: %w: nextUpdate %s has passed", s.cfg.Location, ErrStale, p.list.NextUpdate.UTC().Format(time.RFC3339))
	}
	return &crlSnapshot{parsedCRL: p}, nil
}
