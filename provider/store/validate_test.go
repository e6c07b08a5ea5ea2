package store

import (
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	long := strings.Repeat("k", MaxNameLen)
	big := make([]byte, MaxValueLen+1)
	op := func(op Op) error { return op.Validate() }
	tests := []struct {
		name    string
		err     error
		wantArg string // "" = valid
	}{
		{"ok", ValidateKey("code", "abc"), ""},
		{"binary key", ValidateKey("code", "a:{b}\xff"), ""},
		{"max lengths", ValidateKey(long, long), ""},
		{"empty ns", ValidateKey("", "k"), "ns"},
		{"long ns", ValidateKey(long+"x", "k"), "ns"},
		{"ns colon", ValidateKey("a:b", "k"), "ns"},
		{"ns brace", ValidateKey("a{b", "k"), "ns"},
		{"ns close brace", ValidateKey("ab}", "k"), "ns"},
		{"ns NUL", ValidateKey("a\x00", "k"), "ns"},
		{"empty key", ValidateKey("code", ""), "key"},
		{"long key", ValidateKey("code", long+"x"), "key"},
		{"key NUL", ValidateKey("code", "a\x00b"), "key"},
		{"empty set", ValidateSet("fam", ""), "set"},
		{"member ok", ValidateMember("fam", "f", "m"), ""},
		{"empty member", ValidateMember("fam", "f", ""), "member"},
		{"member NUL", ValidateMember("fam", "f", "\x00"), "member"},
		{"max value", ValidateValue(make([]byte, MaxValueLen)), ""},
		{"nil value", ValidateValue(nil), ""},
		{"big value", ValidateValue(make([]byte, MaxValueLen+1)), "value"},
		{"zero ttl", ValidateTTL(0), ""},
		{"negative ttl", ValidateTTL(-1), "ttl"},
		{"swap", op(Swap("code", "k", nil, []byte("v"))), ""},
		{"swap max old", op(Swap("code", "k", big[:MaxValueLen], nil)), ""},
		{"swap big old", op(Swap("code", "k", big, nil)), "old"},
		{"swap big value", op(Swap("code", "k", nil, big)), "value"},
		{"swap empty key", op(Swap("code", "", nil, nil)), "key"},
		{"delete-if", op(DeleteIf("code", "k", []byte("v"))), ""},
		{"delete-if big old", op(DeleteIf("code", "k", big)), "old"},
		{"delete-if ns colon", op(DeleteIf("a:b", "k", nil)), "ns"},
		{"unknown op", op(Op{Kind: OpDeleteIf + 1, NS: "code", Key: "k"}), "op"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.wantArg == "" {
				if tc.err != nil {
					t.Fatalf("got %v, want nil", tc.err)
				}
				return
			}
			var ie *InvalidError
			if !errors.As(tc.err, &ie) || !errors.Is(tc.err, ErrInvalid) {
				t.Fatalf("got %v, want *InvalidError wrapping ErrInvalid", tc.err)
			}
			if ie.Arg != tc.wantArg {
				t.Fatalf("Arg = %q, want %q", ie.Arg, tc.wantArg)
			}
		})
	}
}

// Validation runs on every call in the login hot path, so good input must
// not allocate.
func TestValidateAllocs(t *testing.T) {
	val := make([]byte, 100)
	n := testing.AllocsPerRun(100, func() {
		_ = ValidateKey("code", "0123456789abcdef")
		_ = ValidateMember("fam", "f", "m")
		_ = ValidateValue(val)
		_ = ValidateTTL(60)
	})
	if n != 0 {
		t.Fatalf("validation of good input allocates %v times", n)
	}
}

func TestInvalidErrorHidesValue(t *testing.T) {
	err := ValidateKey("code", "secret-token\x00")
	if strings.Contains(err.Error(), "secret-token") {
		t.Fatalf("error %q reveals the key", err)
	}
}
