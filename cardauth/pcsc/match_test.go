package pcsc

import (
	"errors"
	"slices"
	"testing"

	"github.com/ebfe/scard"

	"github.com/inkan-id/inkan/cardauth"
)

func TestMatch(t *testing.T) {
	names := []string{"Virtual PCD 00", "Virtual PCD 01", "SCM SCR 3310 [CCID] 00 00"}
	for _, tc := range []struct {
		want string
		got  []string
	}{
		{"Virtual PCD 00", []string{"Virtual PCD 00"}},
		{"virtual pcd 01", []string{"Virtual PCD 01"}},
		{"virtual", []string{"Virtual PCD 00", "Virtual PCD 01"}},
		{"scr 3310", []string{"SCM SCR 3310 [CCID] 00 00"}},
		{"ACS", nil},
	} {
		if got := match(names, tc.want); !slices.Equal(got, tc.got) {
			t.Errorf("match(%q) = %q, want %q", tc.want, got, tc.got)
		}
	}
}

func TestWithCardRefusesToGuess(t *testing.T) {
	card := map[string]bool{"A": true, "B": true, "C": false}
	_, err := withCard([]string{"A", "B", "C"}, card, "")
	var amb *AmbiguousReaderError
	if !errors.As(err, &amb) || !slices.Equal(amb.Candidates, []string{"A", "B"}) {
		t.Fatalf("two cards: err = %v, want AmbiguousReaderError for A and B", err)
	}
	if name, err := withCard([]string{"B", "C"}, card, ""); name != "B" || err != nil {
		t.Fatalf("one card: %q, %v", name, err)
	}
	if name, err := withCard([]string{"C"}, card, ""); name != "" || err != nil {
		t.Fatalf("no card: %q, %v", name, err)
	}
}

func TestErrorMapping(t *testing.T) {
	for _, tc := range []struct {
		code   scard.Error
		target error
		want   bool
	}{
		{scard.ErrRemovedCard, cardauth.ErrCardGone, true},
		{scard.ErrNoSmartcard, cardauth.ErrCardGone, true},
		{scard.ErrReaderUnavailable, cardauth.ErrCardGone, true},
		{scard.ErrNoSmartcard, ErrNoCard, true},
		{scard.ErrNoService, ErrNoService, true},
		{scard.ErrSharingViolation, ErrInUse, true},
		{scard.ErrSharingViolation, cardauth.ErrCardGone, false},
		{scard.ErrTimeout, cardauth.ErrCardGone, false},
	} {
		err := error(&Error{Op: "transmit", Code: tc.code})
		if got := errors.Is(err, tc.target); got != tc.want {
			t.Errorf("Is(%v, %v) = %v, want %v", tc.code, tc.target, got, tc.want)
		}
	}
	if !errors.Is(ErrCardReset, cardauth.ErrCardGone) {
		t.Error("ErrCardReset does not match cardauth.ErrCardGone")
	}
}
