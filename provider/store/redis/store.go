// Package redis is the store.Backend on Redis, for running many provider
// instances against shared state. It takes a go-redis UniversalClient, so a
// standalone server, Sentinel and Cluster all work.
//
// Key layout (prefix defaults to "inkan"):
//
//	<prefix>:{<ns>:<key>}     a record: a string with a native TTL (PX)
//	<prefix>:{<ns>:<set>}:m   a set: a Redis set; the TTL covers the whole set
//
// The braces are a Cluster hash tag around ns+key, so everything about one
// record or one set lives in one slot and every operation but GetMany and
// Batch is a single-key command or script. A batch is one script over
// all its keys on a standalone server or Sentinel, and op by op on a
// Cluster, where its keys may lie in different slots.
//
// Round trips per call on a healthy connection: Put, Create, Get, Take,
// Delete, AddMember, Members, DeleteSet and Ping take one each; Update takes
// two per attempt (GET, then a compare-and-set script) and attempts again
// only when another writer changed the record in between. Swap, GetMany (a
// pipeline of GETs) and Batch take one each; on a Cluster, GetMany sends one
// pipeline per node in parallel and Batch takes one per op. A script's first
// run on a server that has not cached it yet costs one more (NOSCRIPT, then
// EVAL). docs/redis.md lists the server settings that make
// the data durable (appendonly, appendfsync, maxmemory-policy noeviction).
package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	goredis "github.com/redis/go-redis/v9"

	"github.com/inkan-id/inkan/provider/store"
)

// Options tune a Store. The zero value (or nil) is the production default.
type Options struct {
	// Prefix starts every key, so that several deployments (or other
	// applications) can share one Redis. "" means "inkan". It may not
	// contain '{', '}' or NUL, which would break the hash tag.
	Prefix string
}

// Store is a store.Backend on Redis. Create it with New.
type Store struct {
	c      goredis.UniversalClient
	prefix string // with its trailing ":{"
	closed atomic.Bool

	closeOnce sync.Once
	closeErr  error
}

var _ store.Backend = (*Store)(nil)

// DefaultPrefix is the key prefix when Options.Prefix is empty.
const DefaultPrefix = "inkan"

// errClosed is returned by every call on a closed Store.
var errClosed = fmt.Errorf("store: redis: %w: %w", store.ErrUnavailable, goredis.ErrClosed)

// New returns a Store on client. The Store owns client from then on: Close
// closes it, and New closes it when it fails. New does not contact the server; call Ping to check it.
func New(client goredis.UniversalClient, opts *Options) (*Store, error) {
	if client == nil {
		return nil, errors.New("store: redis: nil client")
	}
	prefix := DefaultPrefix
	if opts != nil && opts.Prefix != "" {
		prefix = opts.Prefix
	}
	if strings.ContainsAny(prefix, "{}\x00") || len(prefix) > store.MaxNameLen {
		client.Close() // owned from the call on, whatever its outcome
		return nil, fmt.Errorf("store: redis: invalid key prefix %q: it may not contain '{', '}' or NUL, nor exceed %d bytes", prefix, store.MaxNameLen)
	}
	return &Store{c: client, prefix: prefix + ":{"}, nil
}

// recordKey is "<prefix>:{<ns>:<key>}". One concatenation, one allocation.
func (s *Store) recordKey(ns, key string) string {
	return s.prefix + ns + ":" + key + "}"
}

// setKey is "<prefix>:{<ns>:<set>}:m". A record key always ends in '}', so
// the two can never be equal.
func (s *Store) setKey(ns, set string) string {
	return s.prefix + ns + ":" + set + "}:m"
}

// Ping implements store.Backend with one PING.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	return s.fail(ctx, s.c.Ping(ctx).Err())
}

// Close closes the client. Calls after Close fail with an error wrapping
// store.ErrUnavailable. Closing twice is harmless.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		if err := s.c.Close(); err != nil {
			s.closeErr = fmt.Errorf("store: redis: close: %w", err)
		}
	})
	return s.closeErr
}

// ready refuses calls on a closed Store or with a done context before
// anything goes on the wire, so a cancelled call has certainly written
// nothing.
func (s *Store) ready(ctx context.Context) error {
	if s.closed.Load() {
		return errClosed
	}
	return ctx.Err()
}
