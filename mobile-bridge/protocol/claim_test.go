package protocol

import (
	"strings"
	"testing"
)

func TestClaimToken(t *testing.T) {
	a, b := NewClaimToken(), NewClaimToken()
	if !ValidClaimToken(a) || !ValidClaimToken(b) || a == b {
		t.Fatalf("tokens %q %q", a, b)
	}
	for _, bad := range []string{"", a[:ClaimLen-1], a + "A", strings.Repeat("A", ClaimLen-1) + "B", strings.Repeat("+", ClaimLen), testID} {
		if ValidClaimToken(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestBindingCode(t *testing.T) {
	seen := map[string]int{}
	for range 5000 {
		c := NewBindingCode()
		if len(c) != BindingCodeLen || !ValidBindingCode(c) {
			t.Fatalf("code %q", c)
		}
		seen[c]++
	}
	// 100 codes, 50 draws each on average: all of them show up.
	if len(seen) != 100 {
		t.Errorf("%d distinct codes in 5000 draws", len(seen))
	}
	for _, bad := range []string{"", "1", "a1", "12 ", "１２", "123456789"} {
		if ValidBindingCode(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}
