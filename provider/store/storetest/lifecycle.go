package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/inkan-id/inkan/provider/store"
)

// calls runs every Backend method, the capabilities b has, and
// store.GetMany and store.Apply, once against b with ctx and returns the
// errors by method name.
func calls(ctx context.Context, b store.Backend) map[string]error {
	keep := func(old []byte) ([]byte, error) { return old, nil }
	m := map[string]error{
		"Put":       b.Put(ctx, "life", "k", []byte("v"), 0),
		"Create":    b.Create(ctx, "life", "c", []byte("v"), 0),
		"Get":       second(b.Get(ctx, "life", "k")),
		"Take":      second(b.Take(ctx, "life", "k")),
		"Update":    b.Update(ctx, "life", "k", keep),
		"Delete":    b.Delete(ctx, "life", "k"),
		"AddMember": b.AddMember(ctx, "life", "s", "m", 0),
		"Members":   second(b.Members(ctx, "life", "s")),
		"DeleteSet": b.DeleteSet(ctx, "life", "s"),
		"Ping":      b.Ping(ctx),
		"GetMany":   second(store.GetMany(ctx, b, store.Key{NS: "life", Key: "k"})),
		"Apply": store.Apply(ctx, b, store.Put("life", "b", []byte("v"), 0),
			store.Swap("life", "k", []byte("v"), []byte("w")), store.AddMember("life", "s", "m", 0)),
	}
	if sw, ok := b.(store.Swapper); ok {
		m["Swap"] = sw.Swap(ctx, "life", "k", []byte("v"), []byte("w"))
	}
	return m
}

func testCancelled(t *testing.T, b store.Backend) {
	for op, err := range calls(cancelled(), b) {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context = %v, want context.Canceled", op, err)
		}
	}
	wantMissing(t, b, "life", "k")
	wantMissing(t, b, "life", "c")
	wantMissing(t, b, "life", "b")
	wantMembers(t, b, "life", "s")
}

func testClosed(t *testing.T, b store.Backend) {
	put(t, b, "life", "k", "v")
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for op, err := range calls(t.Context(), b) {
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s after Close = %v, want ErrUnavailable", op, err)
		}
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
}
