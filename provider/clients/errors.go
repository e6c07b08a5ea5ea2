package clients

import "errors"

var (
	// ErrNotFound means no client has the id. Get returns a
	// *NotFoundError, which matches it with errors.Is.
	ErrNotFound = errors.New("clients: unknown client")

	// ErrAuthFailed is the one error for every failed client
	// authentication: unknown client, wrong secret, or a client that has
	// no secret. Telling them apart would let a caller probe for ids.
	ErrAuthFailed = errors.New("clients: invalid client credentials")

	// ErrBusy means too many bcrypt secret checks are queued; the caller
	// should answer 503 and the client try again later. It says nothing
	// of the secret.
	ErrBusy = errors.New("clients: too many secret checks queued")

	// ErrKeyNotFound means the client has no public key with the kid.
	ErrKeyNotFound = errors.New("clients: no such client key")
)

// NotFoundError reports an unknown client id. It satisfies zitadel's
// op.StorageNotFoundError.
type NotFoundError struct {
	ID string
}

// Error implements error.
func (e *NotFoundError) Error() string { return "clients: unknown client " + e.ID }

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// IsNotFound implements op.StorageNotFoundError.
func (e *NotFoundError) IsNotFound() {}
