package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Optional capabilities. A backend may implement these besides Backend;
// callers find them by type assertion, or through UpdateFrom and Apply,
// which fall back to plain Backend calls. Both backends here implement
// both: on Redis each saves round trips, on bolt transactions.

// ErrConflict is Swap's answer when the record no longer holds the value
// the caller expected.
var ErrConflict = errors.New("store: record changed")

// Swapper is compare-and-swap from a value the caller already holds, for
// callers that have just read a record and would otherwise pay for
// Update's own read.
type Swapper interface {
	// Swap replaces the value under ns/key with val only if it is still
	// old, byte for byte; the record keeps its remaining time to live. It
	// returns ErrNotFound if the record is absent or expired, and
	// ErrConflict, changing nothing, if it holds anything but old.
	Swap(ctx context.Context, ns, key string, old, val []byte) error
}

// UpdateFrom is Backend.Update for a caller that has just read old from
// ns/key: with a Swapper, fn runs on (a copy of) old and the result is
// swapped in, and only if the record changed since does it fall back to
// Update, which reads it again. The contract is Update's: fn may run more
// than once and must have no side effects beyond its result; if fn
// returns an error nothing is written and that error is returned.
func UpdateFrom(ctx context.Context, b Backend, ns, key string, old []byte, fn func(old []byte) ([]byte, error)) error {
	if s, ok := b.(Swapper); ok && old != nil {
		nv, err := fn(append([]byte(nil), old...))
		if err != nil {
			return err
		}
		if err := s.Swap(ctx, ns, key, old, nv); !errors.Is(err, ErrConflict) {
			return err
		}
	}
	return b.Update(ctx, ns, key, fn)
}

// OpKind says what an Op does.
type OpKind uint8

// The writes a Batcher takes. Each does what the Backend method of the same
// name does.
const (
	OpPut       OpKind = iota + 1 // Put(NS, Key, Value, TTL)
	OpCreate                      // Create(NS, Key, Value, TTL)
	OpDelete                      // Delete(NS, Key)
	OpAddMember                   // AddMember(NS, Key (the set), Member, TTL)
)

// Op is one write of a batch.
type Op struct {
	Kind   OpKind
	NS     string
	Key    string // the record, or the set for OpAddMember
	Value  []byte // OpPut, OpCreate
	Member string // OpAddMember
	TTL    time.Duration
}

// Put builds an OpPut.
func Put(ns, key string, val []byte, ttl time.Duration) Op {
	return Op{Kind: OpPut, NS: ns, Key: key, Value: val, TTL: ttl}
}

// Create builds an OpCreate.
func Create(ns, key string, val []byte, ttl time.Duration) Op {
	return Op{Kind: OpCreate, NS: ns, Key: key, Value: val, TTL: ttl}
}

// Delete builds an OpDelete.
func Delete(ns, key string) Op { return Op{Kind: OpDelete, NS: ns, Key: key} }

// AddMember builds an OpAddMember.
func AddMember(ns, set, member string, ttl time.Duration) Op {
	return Op{Kind: OpAddMember, NS: ns, Key: set, Member: member, TTL: ttl}
}

// Batcher applies several writes at once: one round trip on Redis, one
// transaction (and fsync) on bolt.
type Batcher interface {
	// Batch applies ops in order, as the single calls would one after
	// another, and all or nothing: if one fails (a Create finding its key
	// taken, an invalid argument, the backend unreachable) none is
	// applied, and the error is that op's, as the single call would
	// return it. An empty batch does nothing.
	//
	// A Redis Cluster is the exception: a batch whose keys lie in more
	// than one slot cannot be applied atomically there, so the Redis
	// backend applies it op by op, as the single calls do, and stops at
	// the first error.
	Batch(ctx context.Context, ops []Op) error
}

// Apply applies ops through b's Batcher, or one by one through Backend's
// methods, stopping at the first error, when b has none.
func Apply(ctx context.Context, b Backend, ops ...Op) error {
	if bb, ok := b.(Batcher); ok {
		return bb.Batch(ctx, ops)
	}
	return ApplyEach(ctx, b, ops)
}

// ApplyEach applies ops one by one with Backend's methods and stops at
// the first error; what came before it stays applied.
func ApplyEach(ctx context.Context, b Backend, ops []Op) error {
	for _, op := range ops {
		var err error
		switch op.Kind {
		case OpPut:
			err = b.Put(ctx, op.NS, op.Key, op.Value, op.TTL)
		case OpCreate:
			err = b.Create(ctx, op.NS, op.Key, op.Value, op.TTL)
		case OpDelete:
			err = b.Delete(ctx, op.NS, op.Key)
		case OpAddMember:
			err = b.AddMember(ctx, op.NS, op.Key, op.Member, op.TTL)
		default:
			err = op.Validate()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Validate checks op's arguments as the single call would.
func (op *Op) Validate() error {
	switch op.Kind {
	case OpPut, OpCreate:
		if err := ValidateKey(op.NS, op.Key); err != nil {
			return err
		}
		if err := ValidateValue(op.Value); err != nil {
			return err
		}
		return ValidateTTL(op.TTL)
	case OpDelete:
		return ValidateKey(op.NS, op.Key)
	case OpAddMember:
		if err := ValidateMember(op.NS, op.Key, op.Member); err != nil {
			return err
		}
		return ValidateTTL(op.TTL)
	}
	return &InvalidError{Arg: "op", Reason: fmt.Sprintf("unknown kind %d", op.Kind)}
}
