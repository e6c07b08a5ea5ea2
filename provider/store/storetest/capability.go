package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/inkan-id/inkan/provider/store"
)

// testSwap checks store.Swapper: a swap from the current value lands and
// keeps the TTL, one from any other value or on a missing record changes
// nothing, and of concurrent swaps from one value exactly one wins.
func testSwap(t *testing.T, b store.Backend) {
	s, ok := b.(store.Swapper)
	if !ok {
		t.Skip("backend has no Swapper")
	}
	ctx := t.Context()
	put(t, b, "sw", "k", "v1")
	if err := s.Swap(ctx, "sw", "k", []byte("v1"), []byte("v2")); err != nil {
		t.Fatalf("Swap from the current value: %v", err)
	}
	wantValue(t, b, "sw", "k", "v2")
	if err := s.Swap(ctx, "sw", "k", []byte("v1"), []byte("v3")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Swap from a stale value: %v, want ErrConflict", err)
	}
	wantValue(t, b, "sw", "k", "v2")
	if err := s.Swap(ctx, "sw", "absent", []byte("v1"), []byte("v3")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Swap of a missing record: %v, want ErrNotFound", err)
	}
	wantMissing(t, b, "sw", "absent")
	if err := s.Swap(ctx, "sw", "", []byte("v2"), []byte("v3")); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("Swap of an empty key: %v, want ErrInvalid", err)
	}

	// The record keeps its expiry: swapped just before it, it still goes.
	if err := b.Put(ctx, "sw", "ttl", []byte("a"), 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := s.Swap(ctx, "sw", "ttl", []byte("a"), []byte("b")); err != nil {
		t.Fatal(err)
	}
	waitMissing(t, b, "sw", "ttl", 5*time.Second)

	// One winner.
	put(t, b, "sw", "race", "0")
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 16 {
		wg.Go(func() {
			err := s.Swap(ctx, "sw", "race", []byte("0"), []byte{byte('a' + i)})
			switch {
			case err == nil:
				mu.Lock()
				wins++
				mu.Unlock()
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("Swap: %v", err)
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d concurrent swaps from one value won, want 1", wins)
	}

	// UpdateFrom with a stale value falls back to Update on the fresh one.
	put(t, b, "sw", "from", "fresh")
	var saw []string
	err := store.UpdateFrom(ctx, b, "sw", "from", []byte("stale"), func(old []byte) ([]byte, error) {
		saw = append(saw, string(old))
		return append(old, '!'), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wantValue(t, b, "sw", "from", "fresh!")
	if len(saw) != 2 || saw[0] != "stale" || saw[1] != "fresh" {
		t.Fatalf("UpdateFrom ran fn on %q, want stale then fresh", saw)
	}
}

// testBatch checks store.Batcher: the ops land in order, as the single
// calls would leave them, and a batch with a failing op leaves nothing.
func testBatch(t *testing.T, b store.Backend) {
	bb, ok := b.(store.Batcher)
	if !ok {
		t.Skip("backend has no Batcher")
	}
	ctx := t.Context()
	put(t, b, "bt", "gone", "x")
	err := bb.Batch(ctx, []store.Op{
		store.Put("bt", "a", []byte("1"), 0),
		store.Create("bt", "b", []byte("2"), time.Hour),
		store.Delete("bt", "gone"),
		store.Delete("bt", "never"),
		store.AddMember("bs", "set", "m1", time.Hour),
		store.AddMember("bs", "set", "m2", 0),
		store.Put("bt", "a", []byte("1b"), 0), // later ops see earlier ones
	})
	if err != nil {
		t.Fatalf("Batch: %v", err)
	}
	wantValue(t, b, "bt", "a", "1b")
	wantValue(t, b, "bt", "b", "2")
	wantMissing(t, b, "bt", "gone")
	wantMembers(t, b, "bs", "set", "m1", "m2")

	// All or nothing: a Create of a taken key fails the whole batch.
	err = bb.Batch(ctx, []store.Op{
		store.Put("bt", "c", []byte("3"), 0),
		store.AddMember("bs", "set", "m3", 0),
		store.Delete("bt", "a"),
		store.Create("bt", "b", []byte("again"), 0),
	})
	if !errors.Is(err, store.ErrExists) {
		t.Fatalf("Batch with a taken Create: %v, want ErrExists", err)
	}
	wantMissing(t, b, "bt", "c")
	wantValue(t, b, "bt", "a", "1b")
	wantValue(t, b, "bt", "b", "2")
	wantMembers(t, b, "bs", "set", "m1", "m2")

	// A Create sees the batch's own earlier writes and deletes.
	err = bb.Batch(ctx, []store.Op{store.Put("bt", "d", []byte("4"), 0), store.Create("bt", "d", []byte("5"), 0)})
	if !errors.Is(err, store.ErrExists) {
		t.Fatalf("Create after a Put of the same key: %v, want ErrExists", err)
	}
	wantMissing(t, b, "bt", "d")
	if err := bb.Batch(ctx, []store.Op{store.Delete("bt", "b"), store.Create("bt", "b", []byte("6"), 0)}); err != nil {
		t.Fatalf("Create after a Delete of the same key: %v", err)
	}
	wantValue(t, b, "bt", "b", "6")

	// Invalid ops are refused before anything is written.
	err = bb.Batch(ctx, []store.Op{store.Put("bt", "e", []byte("7"), 0), store.Put("bt", "", []byte("8"), 0)})
	if !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("Batch with an empty key: %v, want ErrInvalid", err)
	}
	if err := bb.Batch(ctx, []store.Op{{Kind: 99, NS: "bt", Key: "e"}}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("Batch with an unknown op: %v, want ErrInvalid", err)
	}
	wantMissing(t, b, "bt", "e")
	if err := bb.Batch(ctx, nil); err != nil {
		t.Fatalf("empty Batch: %v", err)
	}

	// TTLs apply as in Put.
	if err := bb.Batch(ctx, []store.Op{store.Put("bt", "short", []byte("s"), 300*time.Millisecond), store.Put("bt", "long", []byte("l"), time.Hour)}); err != nil {
		t.Fatal(err)
	}
	waitMissing(t, b, "bt", "short", 5*time.Second)
	wantValue(t, b, "bt", "long", "l")

	if err := bb.Batch(cancelled(), []store.Op{store.Put("bt", "g", []byte("8"), 0)}); err == nil {
		t.Fatal("Batch with a cancelled context succeeded")
	}
	wantMissing(t, b, "bt", "g")
}

// waitMissing polls until ns/key is gone, failing after within.
func waitMissing(t *testing.T, b store.Backend, ns, key string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		_, err := b.Get(t.Context(), ns, key)
		if errors.Is(err, store.ErrNotFound) {
			return
		}
		if err != nil {
			t.Fatalf("Get(%s, %s): %v", ns, key, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/%s still there %v after its TTL", ns, key, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
