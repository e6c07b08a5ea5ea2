package redis_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/inkan-id/inkan/provider/store/redis/redistest"
)

// Set by TestMain: the shared server, or why there is none.
var (
	redisBin   string
	shared     *redistest.Server
	skipReason string
)

// needRedis skips the test when redis-server is missing and not required.
func needRedis(tb testing.TB) {
	tb.Helper()
	if shared == nil {
		tb.Skip(skipReason)
	}
}

func TestMain(m *testing.M) {
	os.Exit(func() int {
		bin, skip, err := redistest.Lookup()
		switch {
		case err != nil:
			fmt.Fprintln(os.Stderr, err)
			return 1
		case skip != "":
			skipReason = skip
			return m.Run()
		}
		redisBin = bin
		shared, err = redistest.Start(bin)
		if err != nil {
			fmt.Fprintln(os.Stderr, "starting redis-server:", err)
			return 1
		}
		defer shared.Kill()
		return m.Run()
	}())
}
