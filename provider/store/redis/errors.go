package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/inkan-id/inkan/provider/store"
)

// transientPrefixes are Redis error replies that mean the server cannot
// serve right now (loading, failing over, out of memory, busy script,
// failing disk, ...), not that the request was wrong: to a caller they
// are an outage.
var transientPrefixes = []string{
	"LOADING", "MASTERDOWN", "CLUSTERDOWN", "READONLY", "TRYAGAIN",
	"NOREPLICAS", "OOM", "BUSY", "ERR max number of clients",
	// Writes refused because the last snapshot or AOF write failed
	// (a full or failing disk).
	"MISCONF",
}

// fail classifies an error from go-redis; nil stays nil. The caller's
// cancellation stays a plain context error; a deadline that passed while
// waiting for Redis, network and closed-client errors, and transient server
// replies wrap store.ErrUnavailable; other server replies (a bug) are
// wrapped as they are. redis.Nil must be handled by the caller, as its
// meaning depends on the command.
func (s *Store) fail(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return fmt.Errorf("store: redis: %w", err)
	}
	if s.closed.Load() {
		return errClosed
	}
	var reply goredis.Error
	if errors.As(err, &reply) && !errors.Is(err, goredis.ErrClosed) {
		msg := reply.Error()
		for _, p := range transientPrefixes {
			if strings.HasPrefix(msg, p) {
				return fmt.Errorf("store: redis: %w: %w", store.ErrUnavailable, err)
			}
		}
		return fmt.Errorf("store: redis: %w", err)
	}
	// Everything else go-redis returns is about reaching the server: dial
	// and I/O errors, timeouts, pool exhaustion, "redis: client is closed".
	return fmt.Errorf("store: redis: %w: %w", store.ErrUnavailable, err)
}
