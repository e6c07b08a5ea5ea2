package verify

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"sort"
)

// Mode says which roots a Roots may hold.
type Mode int

const (
	// Production accepts only roots whose fingerprint is pinned in this
	// package (the published J-LIS roots).
	Production Mode = iota
	// Test also accepts other roots (the JPKI-EMU test CA). Never use it
	// for a service that real users sign in to.
	Test
)

// String returns "production" or "test".
func (m Mode) String() string {
	if m == Test {
		return "test"
	}
	return "production"
}

// UnpinnedRootError is returned by LoadRoots in Production mode for a root
// whose fingerprint is not pinned.
type UnpinnedRootError struct {
	Path        string
	Subject     string
	Fingerprint [32]byte
}

// Error implements error.
func (e *UnpinnedRootError) Error() string {
	return fmt.Sprintf("verify: root %s in %s (SHA-256 %s) is not a pinned J-LIS root; production mode refuses it",
		e.Subject, e.Path, hex.EncodeToString(e.Fingerprint[:]))
}

// ErrTestRootInProduction is returned by AddTestRoot on Production roots.
var ErrTestRootInProduction = errors.New("verify: test roots are only accepted in test mode")

// Roots is the set of trust anchors a Verifier accepts, indexed by subject
// key identifier. JPKI root generations share one DN (jpki.md §5.1), so the
// end-entity certificate's authority key identifier picks the root; names
// never do. A Roots is read-only once a Verifier uses it.
type Roots struct {
	mode  Mode
	byKID map[string]*root
}

// root is one trust anchor with what verification needs precomputed.
type root struct {
	cert   *x509.Certificate
	pool   *x509.CertPool // just this root, built once, not per verification
	pinned *pinnedRoot    // nil for a test root
	source string         // file it came from, for errors and logs
}

// NewRoots returns an empty set in the given mode.
func NewRoots(mode Mode) *Roots {
	return &Roots{mode: mode, byKID: make(map[string]*root)}
}

// LoadRoots reads the PEM (or DER) certificate files the operator
// configured. In Production mode every root must match a pinned J-LIS
// fingerprint, else LoadRoots fails with *UnpinnedRootError naming the file.
// Each certificate must be a self-signed CA certificate with a subject key
// identifier.
func LoadRoots(paths []string, mode Mode) (*Roots, error) {
	r := NewRoots(mode)
	if len(paths) == 0 {
		return nil, errors.New("verify: no root files configured")
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("verify: reading roots: %w", err)
		}
		certs, err := parseCertFile(b)
		if err != nil {
			return nil, fmt.Errorf("verify: roots file %s: %w", p, err)
		}
		for _, c := range certs {
			if err := r.add(c, p, mode == Test); err != nil {
				return nil, err
			}
		}
	}
	return r, nil
}

// AddTestRoot adds a root that is not pinned, such as the JPKI-EMU test
// CA. It fails with ErrTestRootInProduction unless r is in Test mode.
func (r *Roots) AddTestRoot(cert *x509.Certificate) error {
	if r.mode != Test {
		return ErrTestRootInProduction
	}
	return r.add(cert, "test root", true)
}

// Mode returns the mode r was created with.
func (r *Roots) Mode() Mode { return r.mode }

// Len returns the number of roots.
func (r *Roots) Len() int { return len(r.byKID) }

// Certificates returns the roots, ordered by subject key identifier.
func (r *Roots) Certificates() []*x509.Certificate {
	out := make([]*x509.Certificate, 0, len(r.byKID))
	for _, rt := range r.byKID {
		out = append(out, rt.cert)
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i].SubjectKeyId, out[j].SubjectKeyId) < 0 })
	return out
}

// ByKeyID returns the root whose subject key identifier is kid.
func (r *Roots) ByKeyID(kid []byte) (*x509.Certificate, bool) {
	rt, ok := r.byKID[string(kid)]
	if !ok {
		return nil, false
	}
	return rt.cert, true
}

func (r *Roots) add(c *x509.Certificate, source string, allowUnpinned bool) error {
	sum := sha256.Sum256(c.Raw)
	var pin *pinnedRoot
	if p, ok := pinnedRoots[sum]; ok {
		pin = &p
	} else if !allowUnpinned {
		return &UnpinnedRootError{Path: source, Subject: c.Subject.String(), Fingerprint: sum}
	}
	if !c.BasicConstraintsValid || !c.IsCA {
		return fmt.Errorf("verify: root %s in %s is not a CA certificate", c.Subject, source)
	}
	if !bytes.Equal(c.RawIssuer, c.RawSubject) || c.CheckSignatureFrom(c) != nil {
		return fmt.Errorf("verify: root %s in %s is not self-signed", c.Subject, source)
	}
	if len(c.SubjectKeyId) == 0 {
		return fmt.Errorf("verify: root %s in %s has no subject key identifier", c.Subject, source)
	}
	if old, ok := r.byKID[string(c.SubjectKeyId)]; ok {
		if bytes.Equal(old.cert.Raw, c.Raw) {
			return nil // the same root configured twice
		}
		return fmt.Errorf("verify: roots in %s and %s share subject key identifier %x", old.source, source, c.SubjectKeyId)
	}
	pool := x509.NewCertPool()
	pool.AddCert(c)
	r.byKID[string(c.SubjectKeyId)] = &root{cert: c, pool: pool, pinned: pin, source: source}
	return nil
}

// parseCertFile returns the certificates in a PEM file (CERTIFICATE blocks
// only), or the single certificate of a DER file.
func parseCertFile(b []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := b
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("unexpected PEM block %q", blk.Type)
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) > 0 {
		return out, nil
	}
	c, err := x509.ParseCertificate(b)
	if err != nil {
		return nil, fmt.Errorf("no PEM certificate and not DER: %w", err)
	}
	return []*x509.Certificate{c}, nil
}
