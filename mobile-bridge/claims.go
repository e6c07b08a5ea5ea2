package mobilebridge

import (
	"sync"
	"time"

	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

// claimMemory is how long the process remembers the claim token of a
// transaction: longer than any transaction lives (at most 10 minutes,
// protocol.Transaction.Validate).
const claimMemory = 15 * time.Minute

// processClaims holds the claim tokens Fetch made when Options.ClaimToken
// was empty: one process is one device.
var processClaims = &claimCache{m: make(map[string]claimEntry)}

// claimCache maps a transaction URL to its claim token. Entries are
// dropped in insertion order once older than claimMemory, so memory stays
// bounded by the transactions of the last quarter hour (a few hundred bytes
// each). An entry outlives the answer on purpose: fetching a used link again
// from the same process is told already_used, not claimed_by_another_device.
type claimCache struct {
	mu    sync.Mutex
	m     map[string]claimEntry
	order []string
}

type claimEntry struct {
	token string
	at    time.Time
}

// token returns the claim token for key, making one on first use.
func (c *claimCache) token(key string, now time.Time) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.order) > 0 {
		e, ok := c.m[c.order[0]]
		if ok && now.Sub(e.at) < claimMemory {
			break
		}
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	if e, ok := c.m[key]; ok {
		return e.token
	}
	t := protocol.NewClaimToken()
	c.m[key] = claimEntry{token: t, at: now}
	c.order = append(c.order, key)
	return t
}
