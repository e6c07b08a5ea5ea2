package redis

import (
	"context"
	"errors"
	"strconv"

	goredis "github.com/redis/go-redis/v9"

	"github.com/inkan-id/inkan/provider/store"
)

var (
	_ store.Swapper     = (*Store)(nil)
	_ store.Batcher     = (*Store)(nil)
	_ store.MultiGetter = (*Store)(nil)
)

// Swap implements store.Swapper with one run of casScript, Update's
// compare-and-set.
func (s *Store) Swap(ctx context.Context, ns, key string, old, val []byte) error {
	if err := s.checkWrite(ctx, ns, key, val, 0); err != nil {
		return err
	}
	if err := store.ValidateValue(old); err != nil {
		return err
	}
	return s.casResult(ctx, casScript.Run(ctx, s.c, []string{s.recordKey(ns, key)}, old, val))
}

// casResult maps the answer of a compare-and-set or compare-and-delete
// script to the store's errors.
func (s *Store) casResult(ctx context.Context, cmd *goredis.Cmd) error {
	res, err := cmd.Int64()
	switch {
	case err != nil:
		return s.fail(ctx, err)
	case res == casGone:
		return store.ErrNotFound
	case res == casConflict:
		return store.ErrConflict
	}
	return nil
}

// Batch implements store.Batcher with one run of batchScript, which
// Redis runs atomically. On a Cluster (any client but a *goredis.Client,
// which talks to one server, directly or through Sentinel) the keys of one
// batch lie in several slots, which one script may not touch, so there the
// ops go one by one (see store.Batcher): each its single call, an OpSwap
// casScript and an OpDeleteIf delIfScript, so that each op is still
// atomic on its own.
func (s *Store) Batch(ctx context.Context, ops []store.Op) error {
	for i := range ops {
		if err := ops[i].Validate(); err != nil {
			return err
		}
	}
	if err := s.ready(ctx); err != nil {
		return err
	}
	if len(ops) == 0 {
		return nil
	}
	if _, single := s.c.(*goredis.Client); !single || len(ops) == 1 {
		return s.applyEach(ctx, ops)
	}
	keys := make([]string, len(ops))
	args := make([]any, 0, 3*len(ops))
	for i, op := range ops {
		switch op.Kind {
		case store.OpPut:
			keys[i] = s.recordKey(op.NS, op.Key)
			args = append(args, "p", op.Value, ttlMillis(op.TTL))
		case store.OpCreate:
			keys[i] = s.recordKey(op.NS, op.Key)
			args = append(args, "c", op.Value, ttlMillis(op.TTL))
		case store.OpDelete:
			keys[i] = s.recordKey(op.NS, op.Key)
			args = append(args, "d", "", 0)
		case store.OpAddMember:
			keys[i] = s.setKey(op.NS, op.Key)
			args = append(args, "m", op.Member, ttlMillis(op.TTL))
		case store.OpSwap:
			keys[i] = s.recordKey(op.NS, op.Key)
			args = append(args, "s", op.Value, op.Old)
		case store.OpDeleteIf:
			keys[i] = s.recordKey(op.NS, op.Key)
			args = append(args, "x", "", op.Old)
		}
	}
	res, err := batchScript.Run(ctx, s.c, keys, args...).Int64()
	if err != nil {
		return s.fail(ctx, err)
	}
	if res == 0 {
		return nil
	}
	// The op that failed the batch, and the error its single call gives.
	i := res
	if i < 0 {
		i = -i
	}
	if i <= int64(len(ops)) {
		switch kind := ops[i-1].Kind; {
		case res > 0 && kind == store.OpCreate:
			return store.ErrExists
		case res > 0 && (kind == store.OpSwap || kind == store.OpDeleteIf):
			return store.ErrNotFound
		case res < 0 && (kind == store.OpSwap || kind == store.OpDeleteIf):
			return store.ErrConflict
		}
	}
	return s.fail(ctx, errors.New("store: redis: batch script answered "+strconv.FormatInt(res, 10)))
}

// applyEach is store.ApplyEach but for OpDeleteIf, which it runs with
// delIfScript: one round trip, and atomic, where ApplyEach's Get and
// Delete are neither.
func (s *Store) applyEach(ctx context.Context, ops []store.Op) error {
	for i := range ops {
		var err error
		if op := &ops[i]; op.Kind == store.OpDeleteIf {
			err = s.deleteIf(ctx, op.NS, op.Key, op.Old)
		} else {
			err = store.ApplyEach(ctx, s, ops[i:i+1])
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// deleteIf deletes ns/key with one run of delIfScript if it holds old.
func (s *Store) deleteIf(ctx context.Context, ns, key string, old []byte) error {
	if err := s.checkKey(ctx, ns, key); err != nil {
		return err
	}
	return s.casResult(ctx, delIfScript.Run(ctx, s.c, []string{s.recordKey(ns, key)}, old))
}
