package redis

import (
	"context"
	"errors"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/inkan-id/inkan/provider/store"
)

// reply is a Redis error reply as go-redis hands it over.
type reply string

func (r reply) Error() string { return string(r) }
func (reply) RedisError()     {}

var _ goredis.Error = reply("")

// TestFailClassifies holds replies that mean "cannot serve now" to
// ErrUnavailable (a 503 to clients) and the rest to plain errors.
func TestFailClassifies(t *testing.T) {
	s, err := New(goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range []struct {
		err         error
		unavailable bool
	}{
		{reply("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk."), true},
		{reply("OOM command not allowed when used memory > 'maxmemory'."), true},
		{reply("LOADING Redis is loading the dataset in memory"), true},
		{reply("READONLY You can't write against a read only replica."), true},
		{reply("NOREPLICAS Not enough good replicas to write."), true},
		{reply("ERR max number of clients reached"), true},
		{reply("ERR wrong number of arguments for 'get' command"), false},
		{reply("WRONGTYPE Operation against a key holding the wrong kind of value"), false},
		{errors.New("dial tcp 127.0.0.1:1: connect: connection refused"), true},
	} {
		got := s.fail(context.Background(), tc.err)
		if errors.Is(got, store.ErrUnavailable) != tc.unavailable {
			t.Errorf("fail(%q) = %v; unavailable %v, want %v", tc.err, got, !tc.unavailable, tc.unavailable)
		}
	}
}

// TestNewClosesClientOnError: New owns the client even when it refuses
// the options, so a refused prefix leaks no pool.
func TestNewClosesClientOnError(t *testing.T) {
	c := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1"})
	if _, err := New(c, &Options{Prefix: "a{"}); err == nil {
		t.Fatal("New accepted a prefix with a brace")
	}
	if err := c.Ping(context.Background()).Err(); !errors.Is(err, goredis.ErrClosed) {
		t.Errorf("client after a refused New: Ping = %v, want ErrClosed", err)
	}
}
