package testca

import (
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"time"
)

// CRL reason codes (RFC 5280 §5.3.1) as JPKI uses them (jpki.md §6.1).
const (
	ReasonUnspecified          = 0 // destroyed before delivery
	ReasonKeyCompromise        = 1
	ReasonCACompromise         = 2
	ReasonAffiliationChanged   = 3 // name or address changed: sign cert revoked
	ReasonSuperseded           = 4 // renewed
	ReasonCessationOfOperation = 5 // no longer needed
	ReasonCertificateHold      = 6 // never released by JPKI; permanent
)

// crlValidity is the time from thisUpdate to nextUpdate: JPKI refreshes its
// CRLs daily.
const crlValidity = 24 * time.Hour

// Errors from Revoke.
var (
	// ErrNotIssued means the serial was never issued by that root.
	ErrNotIssued = errors.New("testca: serial not issued by this CA")
	// ErrAlreadyRevoked means the serial is already revoked; the first
	// revocation stands, as it would at J-LIS.
	ErrAlreadyRevoked = errors.New("testca: serial already revoked")
	// ErrBadReason means reason is not an RFC 5280 CRLReason code.
	ErrBadReason = errors.New("testca: invalid revocation reason")
)

// Revoke marks serial as revoked by the root of kind k at time at, with an
// RFC 5280 reason code. The change is in memory; Save persists it.
func (ca *CA) Revoke(k Kind, serial *big.Int, reason int, at time.Time) error {
	r, err := ca.root(k)
	if err != nil {
		return err
	}
	// 7 is unused; 8 removeFromCRL only appears in delta CRLs.
	if reason < 0 || reason > 10 || reason == 7 || reason == 8 {
		return fmt.Errorf("%w: %d", ErrBadReason, reason)
	}
	if serial == nil {
		return ErrNotIssued
	}
	if at.IsZero() {
		return errors.New("testca: revocation time is zero")
	}
	ca.mu.Lock()
	defer ca.mu.Unlock()
	key := serialKey(serial)
	if !r.issued[key] {
		return fmt.Errorf("%w: %s %s", ErrNotIssued, k, key)
	}
	if _, dup := r.revoked[key]; dup {
		return fmt.Errorf("%w: %s %s", ErrAlreadyRevoked, k, key)
	}
	r.revoked[key] = revocation{Serial: new(big.Int).Set(serial), Reason: reason, At: at.UTC().Truncate(time.Second)}
	return nil
}

// IsRevoked reports whether serial is revoked by the root of kind k, with
// the reason and time given to Revoke. It ignores the time: a revocation
// dated in the future is still reported here, though CRL and OCSP only show
// revocations dated at or before their now.
func (ca *CA) IsRevoked(k Kind, serial *big.Int) (revoked bool, reason int, at time.Time) {
	r, err := ca.root(k)
	if err != nil || serial == nil {
		return false, 0, time.Time{}
	}
	ca.mu.Lock()
	defer ca.mu.Unlock()
	rv, ok := r.revoked[serialKey(serial)]
	if !ok {
		return false, 0, time.Time{}
	}
	return true, rv.Reason, rv.At
}

// status is the OCSP view of one serial at time now.
func (ca *CA) status(r *root, serial *big.Int, now time.Time) (issued bool, rv revocation, revoked bool) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	key := serialKey(serial)
	rv, revoked = r.revoked[key]
	if revoked && rv.At.After(now) {
		revoked = false
	}
	return r.issued[key], rv, revoked
}

// CRL returns a DER X.509 v2 CRL of kind k signed by that root, listing the
// revocations dated at or before now, with thisUpdate now and nextUpdate
// now+24h. The CRL number is now in Unix seconds, so it grows with time
// without state to persist.
func (ca *CA) CRL(k Kind, now time.Time) ([]byte, error) {
	r, err := ca.root(k)
	if err != nil {
		return nil, err
	}
	now = now.UTC().Truncate(time.Second)
	ca.mu.Lock()
	var entries []x509.RevocationListEntry
	for _, rv := range r.revoked {
		if rv.At.After(now) {
			continue
		}
		entries = append(entries, x509.RevocationListEntry{
			SerialNumber:   rv.Serial,
			RevocationTime: rv.At,
			ReasonCode:     rv.Reason,
		})
	}
	ca.mu.Unlock()
	// Stable order keeps CRLs reproducible and diffs readable.
	sort.Slice(entries, func(i, j int) bool { return entries[i].SerialNumber.Cmp(entries[j].SerialNumber) < 0 })

	tmpl := &x509.RevocationList{
		SignatureAlgorithm:        x509.SHA256WithRSA,
		RevokedCertificateEntries: entries,
		Number:                    big.NewInt(now.Unix()),
		ThisUpdate:                now,
		NextUpdate:                now.Add(crlValidity),
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, r.cert, r.key)
	if err != nil {
		return nil, fmt.Errorf("testca: %s CRL: %w", k, err)
	}
	return der, nil
}
