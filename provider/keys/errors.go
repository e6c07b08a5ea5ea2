package keys

import (
	"errors"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

var (
	// ErrWrongMasterKey is wrapped by a *DecryptError: a sealed key did
	// not open. Either the master key differs from the one that sealed it
	// or the record was altered.
	ErrWrongMasterKey = errors.New("keys: wrong master key or damaged key record")

	// ErrNoKey means no key of the algorithm can sign now.
	ErrNoKey = errors.New("keys: no active signing key")

	// ErrCorrupt means the stored key set could not be parsed.
	ErrCorrupt = errors.New("keys: stored key set is corrupt")
)

// UnsupportedAlgError reports an algorithm this package makes no keys for.
type UnsupportedAlgError struct {
	Alg jose.SignatureAlgorithm
}

// Error implements error.
func (e *UnsupportedAlgError) Error() string {
	return fmt.Sprintf("keys: unsupported signing algorithm %q (supported: ES256, PS256, RS256)", string(e.Alg))
}

// DecryptError names the key that could not be opened. It wraps
// ErrWrongMasterKey.
type DecryptError struct {
	KID string
}

// Error implements error.
func (e *DecryptError) Error() string {
	return fmt.Sprintf("keys: cannot decrypt signing key %s: wrong master key or damaged key record (was master_key_file changed?)", e.KID)
}

// Unwrap makes errors.Is(err, ErrWrongMasterKey) true.
func (e *DecryptError) Unwrap() error { return ErrWrongMasterKey }
