package store

import (
	"context"
	"time"
)

// Backend is what every storage backend implements. Keys live in namespaces
// (ns, e.g. "code", "rt", "acct"); the same key in two namespaces names two
// independent records, and sets live apart from records.
//
// Values passed in are not retained after a call returns, and values handed
// out are owned by the caller. All methods are safe for concurrent use.
//
// Errors: [ErrNotFound] and [ErrExists] are returned as is (compare with
// errors.Is); bad arguments wrap [ErrInvalid]; a backend that cannot be
// reached wraps [ErrUnavailable]; a cancelled ctx yields an error wrapping
// ctx.Err().
type Backend interface {
	// Put stores val under ns/key, replacing any current value and its
	// expiry. ttl 0 means the record never expires.
	Put(ctx context.Context, ns, key string, val []byte, ttl time.Duration) error

	// Create stores val under ns/key only if no live record is there;
	// otherwise it returns ErrExists and changes nothing. An expired record
	// counts as absent.
	Create(ctx context.Context, ns, key string, val []byte, ttl time.Duration) error

	// Get returns the value under ns/key, or ErrNotFound if it is absent or
	// expired.
	Get(ctx context.Context, ns, key string) ([]byte, error)

	// Take atomically returns and deletes the value under ns/key: of N
	// concurrent Takes of one record exactly one gets the value and the
	// others get ErrNotFound. It is how single-use records (codes, card
	// transactions) are consumed.
	Take(ctx context.Context, ns, key string) ([]byte, error)

	// Update is a compare-and-swap: fn receives the current value (its own
	// copy) and returns the new one, which replaces the old only if the
	// record did not change in between; on conflict fn runs again with the
	// newer value, so fn must have no side effects beyond its result. The
	// record keeps its remaining time to live. Update returns ErrNotFound,
	// without calling fn, if the record is absent or expired. If fn returns
	// an error, nothing is written and Update returns that error unchanged.
	// fn must not call the backend: bolt runs it inside its write
	// transaction, where a nested write would deadlock.
	Update(ctx context.Context, ns, key string, fn func(old []byte) ([]byte, error)) error

	// Delete removes ns/key. Deleting an absent record is not an error.
	Delete(ctx context.Context, ns, key string) error

	// AddMember adds member to the set ns/set, creating the set if needed
	// (e.g. refresh-token family -> token ids, account -> sessions). The
	// whole set expires together: ttl extends its expiry to at least
	// now+ttl, and ttl 0 makes it never expire. An expiry is never
	// shortened.
	AddMember(ctx context.Context, ns, set, member string, ttl time.Duration) error

	// Members returns the members of ns/set in no particular order, or an
	// empty result (and no error) if the set is absent or expired.
	Members(ctx context.Context, ns, set string) ([]string, error)

	// DeleteSet removes the set ns/set and all its members. Deleting an
	// absent set is not an error.
	DeleteSet(ctx context.Context, ns, set string) error

	// Ping reports whether the backend can serve requests (for /readyz).
	Ping(ctx context.Context) error

	// Close releases the backend. Calls after Close fail with an error
	// wrapping ErrUnavailable.
	Close() error
}
