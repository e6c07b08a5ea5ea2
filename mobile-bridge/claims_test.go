package mobilebridge

import (
	"testing"
	"time"

	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

func TestClaimCache(t *testing.T) {
	c := &claimCache{m: make(map[string]claimEntry)}
	t0 := time.Now()
	a := c.token("a", t0)
	if !protocol.ValidClaimToken(a) || c.token("a", t0.Add(time.Minute)) != a {
		t.Fatal("the same transaction got another token")
	}
	if b := c.token("b", t0.Add(time.Minute)); b == a {
		t.Fatal("two transactions share a token")
	}
	// Dropped once older than claimMemory.
	c.token("c", t0.Add(claimMemory+time.Second))
	if _, ok := c.m["a"]; ok || len(c.m) != 2 || len(c.order) != 2 {
		t.Fatalf("not pruned: %d entries, order %v", len(c.m), c.order)
	}
}
