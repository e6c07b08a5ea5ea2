package redis

import (
	"context"
	"time"

	"github.com/inkan-id/inkan/provider/store"
)

// AddMember implements store.Backend with one script run (SADD plus the
// expiry rule, atomically).
func (s *Store) AddMember(ctx context.Context, ns, set, member string, ttl time.Duration) error {
	if err := store.ValidateMember(ns, set, member); err != nil {
		return err
	}
	if err := store.ValidateTTL(ttl); err != nil {
		return err
	}
	if err := s.ready(ctx); err != nil {
		return err
	}
	err := addMemberScript.Run(ctx, s.c, []string{s.setKey(ns, set)}, member, ttlMillis(ttl)).Err()
	return s.fail(ctx, err)
}

// Members implements store.Backend with one SMEMBERS.
func (s *Store) Members(ctx context.Context, ns, set string) ([]string, error) {
	if err := store.ValidateSet(ns, set); err != nil {
		return nil, err
	}
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	m, err := s.c.SMembers(ctx, s.setKey(ns, set)).Result()
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return m, nil
}

// DeleteSet implements store.Backend with one DEL.
func (s *Store) DeleteSet(ctx context.Context, ns, set string) error {
	if err := store.ValidateSet(ns, set); err != nil {
		return err
	}
	if err := s.ready(ctx); err != nil {
		return err
	}
	return s.fail(ctx, s.c.Del(ctx, s.setKey(ns, set)).Err())
}
