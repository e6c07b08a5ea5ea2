package store

import "errors"

// Sentinel errors of the Backend contract. Compare with errors.Is.
var (
	// ErrNotFound means the record or set is absent or has expired.
	ErrNotFound = errors.New("store: not found")

	// ErrExists means Create found a live record under the key.
	ErrExists = errors.New("store: already exists")

	// ErrUnavailable is wrapped by every error that means the backend
	// cannot be reached (Redis down, bbolt closed, disk failing), so HTTP
	// handlers can answer 503 instead of 500.
	ErrUnavailable = errors.New("store: backend unavailable")

	// ErrInvalid is wrapped by every *InvalidError: the call was refused
	// before anything was written.
	ErrInvalid = errors.New("store: invalid argument")
)

// InvalidError reports an argument that fails validation. It wraps
// ErrInvalid. The offending value itself is left out of the message: keys
// may be token identifiers that must not reach logs.
type InvalidError struct {
	Arg    string // "ns", "key", "set", "member", "value", "old", "ttl", "fn" or "op"
	Reason string // what is wrong, e.g. "longer than 512 bytes"
}

// Error implements error.
func (e *InvalidError) Error() string {
	return "store: invalid " + e.Arg + ": " + e.Reason
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *InvalidError) Unwrap() error { return ErrInvalid }
