package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"
)

// Optional capabilities. A backend may implement these besides Backend;
// callers find them by type assertion, or through UpdateFrom, Apply and
// GetMany, which fall back to plain Backend calls. Both backends here
// implement all of them: on Redis each saves round trips, on bolt
// transactions.

// ErrConflict is the answer of Swap, and of a batch's OpSwap or
// OpDeleteIf, when the record no longer holds the value the caller
// expected.
var ErrConflict = errors.New("store: record changed")

// Key names one record.
type Key struct{ NS, Key string }

// MultiGetter reads several records at once: one round trip on Redis (a
// pipeline of GETs, which go-redis splits by node on a Cluster), one read
// transaction on bolt.
type MultiGetter interface {
	// GetMany returns the values under keys, in order. An absent or
	// expired record gives nil in its place, not an error; an invalid key,
	// an unreachable backend or a cancelled ctx fails the whole call.
	// A record holding the empty value gives a non-nil empty slice, so
	// that it can be told from an absent one. Every key is validated
	// before anything is read; no keys gives an empty result.
	//
	// On bolt the values are one snapshot. On Redis they are not: a
	// pipeline is no transaction, and other clients' writes may land
	// between its GETs.
	GetMany(ctx context.Context, keys []Key) ([][]byte, error)
}

// GetMany reads keys through b's MultiGetter, or with one Get per key when
// b has none (ErrNotFound → nil). The fallback validates every key before
// the first Get, as a MultiGetter does, but its reads are separate calls,
// not one snapshot.
func GetMany(ctx context.Context, b Backend, keys ...Key) ([][]byte, error) {
	if m, ok := b.(MultiGetter); ok {
		return m.GetMany(ctx, keys)
	}
	for _, k := range keys {
		if err := ValidateKey(k.NS, k.Key); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([][]byte, len(keys))
	for i, k := range keys {
		v, err := b.Get(ctx, k.NS, k.Key)
		switch {
		case errors.Is(err, ErrNotFound):
			// out[i] stays nil
		case err != nil:
			return nil, err
		case v == nil:
			out[i] = []byte{} // present but empty: not to be taken for absent
		default:
			out[i] = v
		}
	}
	return out, nil
}

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
	OpSwap                        // Swapper.Swap(NS, Key, Old, Value): replace only if it holds Old byte for byte; keeps its TTL
	OpDeleteIf                    // delete NS/Key only if it holds Old byte for byte
)

// Op is one write of a batch. Fields an op's kind does not use are
// ignored.
type Op struct {
	Kind   OpKind
	NS     string
	Key    string        // the record, or the set for OpAddMember
	Value  []byte        // OpPut, OpCreate, OpSwap (the new value)
	Old    []byte        // OpSwap, OpDeleteIf: the value the record must hold
	Member string        // OpAddMember
	TTL    time.Duration // OpPut, OpCreate, OpAddMember
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

// Swap builds an OpSwap.
func Swap(ns, key string, old, val []byte) Op {
	return Op{Kind: OpSwap, NS: ns, Key: key, Old: old, Value: val}
}

// DeleteIf builds an OpDeleteIf.
func DeleteIf(ns, key string, old []byte) Op {
	return Op{Kind: OpDeleteIf, NS: ns, Key: key, Old: old}
}

// Batcher applies several writes at once: one round trip on Redis, one
// transaction (and fsync) on bolt.
type Batcher interface {
	// Batch applies ops in order, as the single calls would one after
	// another, and all or nothing: if one fails (a Create finding its key
	// taken, an OpSwap or OpDeleteIf finding its record absent or expired
	// (ErrNotFound) or holding anything but Old (ErrConflict), an invalid
	// argument, the backend unreachable) none is applied, and the error is
	// that op's, as the single call would return it. Each op sees the
	// records as the ops before it leave them: an OpSwap after an OpPut of
	// the same key compares against the Put's value. An empty batch does
	// nothing.
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
// the first error; what came before it stays applied. It is not atomic as
// a whole, but each op is: an OpSwap goes through b's Swapper if it has
// one, or else through Update, both of which compare and write
// atomically, and an OpDeleteIf is a Take (of concurrent ones exactly one
// gets the record, so single use holds) followed by the comparison. When
// the record held anything but Old, OpDeleteIf reports ErrConflict with
// the record already gone: a single-use record that changed between its
// read and its consumption fails closed.
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
		case OpSwap:
			err = applySwap(ctx, b, &op)
		case OpDeleteIf:
			err = applyDeleteIf(ctx, b, &op)
		default:
			err = op.Validate()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// applySwap is ApplyEach's OpSwap.
func applySwap(ctx context.Context, b Backend, op *Op) error {
	// Old is validated here: neither Swap nor Update sees it as a value.
	if err := op.Validate(); err != nil {
		return err
	}
	if s, ok := b.(Swapper); ok {
		return s.Swap(ctx, op.NS, op.Key, op.Old, op.Value)
	}
	return b.Update(ctx, op.NS, op.Key, func(cur []byte) ([]byte, error) {
		if !bytes.Equal(cur, op.Old) {
			return nil, ErrConflict
		}
		return op.Value, nil
	})
}

// applyDeleteIf is ApplyEach's OpDeleteIf: a Take, then the comparison
// (see ApplyEach).
func applyDeleteIf(ctx context.Context, b Backend, op *Op) error {
	if err := op.Validate(); err != nil {
		return err
	}
	cur, err := b.Take(ctx, op.NS, op.Key)
	if err != nil {
		return err
	}
	if !bytes.Equal(cur, op.Old) {
		return ErrConflict
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
	case OpSwap:
		if err := ValidateKey(op.NS, op.Key); err != nil {
			return err
		}
		if err := ValidateValue(op.Value); err != nil {
			return err
		}
		return validateBytes("old", op.Old)
	case OpDeleteIf:
		if err := ValidateKey(op.NS, op.Key); err != nil {
			return err
		}
		return validateBytes("old", op.Old)
	}
	return &InvalidError{Arg: "op", Reason: fmt.Sprintf("unknown kind %d", op.Kind)}
}
