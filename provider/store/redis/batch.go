package redis

import (
	"context"
	"errors"
	"strconv"

	goredis "github.com/redis/go-redis/v9"

	"github.com/inkan-id/inkan/provider/store"
)

var (
	_ store.Swapper = (*Store)(nil)
	_ store.Batcher = (*Store)(nil)
)

// Swap implements store.Swapper with one run of casScript, Update's
// compare-and-set.
func (s *Store) Swap(ctx context.Context, ns, key string, old, val []byte) error {
	if err := s.checkWrite(ctx, ns, key, val, 0); err != nil {
		return err
	}
	res, err := casScript.Run(ctx, s.c, []string{s.recordKey(ns, key)}, old, val).Int64()
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
// ops go one by one (see store.Batcher).
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
		return store.ApplyEach(ctx, s, ops)
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
		}
	}
	res, err := batchScript.Run(ctx, s.c, keys, args...).Int64()
	if err != nil {
		return s.fail(ctx, err)
	}
	if res != 0 {
		if res < 1 || int(res) > len(ops) || ops[res-1].Kind != store.OpCreate {
			return s.fail(ctx, errors.New("store: redis: batch script answered "+strconv.FormatInt(res, 10)))
		}
		return store.ErrExists
	}
	return nil
}
