package storetest

import (
	"testing"

	"github.com/inkan-id/inkan/provider/store"
)

func testSets(t *testing.T, b store.Backend) {
	ctx := t.Context()
	wantMembers(t, b, "fam", "f1")
	wantMembers(t, b, "never-used-ns", "f1")

	for _, m := range []string{"t1", "t2", "t3", "t2"} { // adding twice is harmless
		if err := b.AddMember(ctx, "fam", "f1", m, 0); err != nil {
			t.Fatalf("AddMember(%s): %v", m, err)
		}
	}
	wantMembers(t, b, "fam", "f1", "t1", "t2", "t3")

	// Member names with separators and prefixes of one another stay distinct.
	for _, m := range []string{"a", "a:b", "ab", "a}", "{a"} {
		if err := b.AddMember(ctx, "fam", "f2", m, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.AddMember(ctx, "fam", "f", "x", 0); err != nil { // a prefix of f1 and f2
		t.Fatal(err)
	}
	wantMembers(t, b, "fam", "f2", "a", "a:b", "ab", "a}", "{a")
	wantMembers(t, b, "fam", "f", "x")
	wantMembers(t, b, "fam", "f1", "t1", "t2", "t3")

	if err := b.DeleteSet(ctx, "fam", "f1"); err != nil {
		t.Fatalf("DeleteSet: %v", err)
	}
	wantMembers(t, b, "fam", "f1")
	wantMembers(t, b, "fam", "f", "x")
	wantMembers(t, b, "fam", "f2", "a", "a:b", "ab", "a}", "{a")
	if err := b.DeleteSet(ctx, "fam", "f1"); err != nil {
		t.Fatalf("DeleteSet(absent) = %v, want nil", err)
	}
	if err := b.DeleteSet(ctx, "never-used-ns", "f1"); err != nil {
		t.Fatalf("DeleteSet(absent ns) = %v, want nil", err)
	}

	// A deleted set starts empty when reused.
	if err := b.AddMember(ctx, "fam", "f1", "t9", 0); err != nil {
		t.Fatal(err)
	}
	wantMembers(t, b, "fam", "f1", "t9")
}
