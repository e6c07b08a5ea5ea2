// Package storetest is the conformance suite every store.Backend must pass.
// A backend's own test calls Run with a function that opens a fresh, empty
// backend:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Backend { ... })
//	}
//
// The suite checks behaviour a caller relies on, never speed: expiry is
// observed by polling with short TTLs, and a check that depends on the clock
// is only made while its outcome is certain.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/inkan-id/inkan/provider/store"
)

// Run runs every conformance test against backends made by open. open is
// called once per subtest, possibly from parallel subtests, and must return
// a fresh backend that shares no records with any other it returned; it
// should register the backend's Close with t.Cleanup (the suite closes some
// backends itself, so Close must tolerate a second call).
func Run(t *testing.T, open func(t *testing.T) store.Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b store.Backend)
	}{
		{"PutGet", testPutGet},
		{"GetMissing", testGetMissing},
		{"Create", testCreate},
		{"CreateSingleWinner", testCreateSingleWinner},
		{"Take", testTake},
		{"TakeSingleWinner", testTakeSingleWinner},
		{"Update", testUpdate},
		{"UpdateConcurrent", testUpdateConcurrent},
		{"Delete", testDelete},
		{"Sets", testSets},
		{"SetsConcurrent", testSetsConcurrent},
		{"Namespaces", testNamespaces},
		{"Validation", testValidation},
		{"LargeValues", testLargeValues},
		{"Expiry", testExpiry},
		{"Cancelled", testCancelled},
		{"Ping", testPing},
		{"Closed", testClosed},
		{"Swap", testSwap},
		{"Batch", testBatch},
		{"BatchCompare", testBatchCompare},
		{"ApplyEach", testApplyEach},
		{"GetMany", testGetMany},
		{"GetManyFallback", testGetManyFallback},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

func put(t *testing.T, b store.Backend, ns, key, val string) {
	t.Helper()
	if err := b.Put(t.Context(), ns, key, []byte(val), 0); err != nil {
		t.Fatalf("Put(%s, %s): %v", ns, key, err)
	}
}

// wantValue fails unless ns/key holds val.
func wantValue(t *testing.T, b store.Backend, ns, key, val string) {
	t.Helper()
	got, err := b.Get(t.Context(), ns, key)
	if err != nil {
		t.Fatalf("Get(%s, %s): %v, want %q", ns, key, err, val)
	}
	if !bytes.Equal(got, []byte(val)) {
		t.Fatalf("Get(%s, %s) = %q, want %q", ns, key, got, val)
	}
}

// wantMissing fails unless ns/key is absent.
func wantMissing(t *testing.T, b store.Backend, ns, key string) {
	t.Helper()
	got, err := b.Get(t.Context(), ns, key)
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get(%s, %s) = %q, %v; want ErrNotFound", ns, key, got, err)
	}
}

// wantMembers fails unless ns/set holds exactly want (in any order).
func wantMembers(t *testing.T, b store.Backend, ns, set string, want ...string) {
	t.Helper()
	got, err := b.Members(t.Context(), ns, set)
	if err != nil {
		t.Fatalf("Members(%s, %s): %v", ns, set, err)
	}
	got = slices.Clone(got)
	slices.Sort(got)
	want = slices.Clone(want)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("Members(%s, %s) = %q, want %q", ns, set, got, want)
	}
}

// cancelled returns a context that is already done.
func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}
