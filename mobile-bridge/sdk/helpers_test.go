package inkansdk_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/inkan-id/inkan/cardauth"
	"github.com/inkan-id/inkan/cardauth/vcard"
	inkansdk "github.com/inkan-id/inkan/mobile-bridge/sdk"
	"github.com/inkan-id/inkan/provider/bridge/bridgetest"
)

// phone is the host side of the NFC interface in front of a virtual card:
// what an app's IsoDep or NFCISO7816Tag adapter does, plus counters and
// faults a real NFC link has but the virtual card does not model.
type phone struct {
	card *vcard.Card

	mu       sync.Mutex
	apdus    int // commands the SDK sent
	verifies int // VERIFY commands with a PIN the SDK sent
	waits    int // WaitForCard calls
	// dropAnswer, when it matches a command, lets the card process it and
	// then loses the answer (the tag went away on the way back). One-shot.
	dropAnswer func(cmd []byte) bool
	// noCard makes WaitForCard fail: the user did not bring the card back.
	noCard bool
}

func newPhone(card *vcard.Card) *phone { return &phone{card: card} }

func isVerify(cmd []byte) bool { return len(cmd) > 5 && cmd[1] == 0x20 }

func (p *phone) Transceive(cmd []byte) ([]byte, error) {
	p.mu.Lock()
	p.apdus++
	if isVerify(cmd) {
		p.verifies++
	}
	drop := p.dropAnswer != nil && p.dropAnswer(cmd)
	if drop {
		p.dropAnswer = nil
	}
	p.mu.Unlock()
	resp, err := p.card.Transmit(context.Background(), cmd)
	if err != nil {
		if errors.Is(err, cardauth.ErrCardGone) {
			return nil, fmt.Errorf("tag_lost: %v", err)
		}
		return nil, err
	}
	if drop {
		p.card.PowerOff()
		return nil, errors.New("tag_lost: the answer did not come back")
	}
	return resp, nil
}

func (p *phone) WaitForCard(timeoutMillis int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.waits++
	if p.noCard {
		return errors.New("no card within the time")
	}
	p.card.PowerOn()
	return nil
}

func (p *phone) counts() (apdus, verifies, waits int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.apdus, p.verifies, p.waits
}

// steps records progress.
type steps struct {
	mu sync.Mutex
	s  []string
}

func (s *steps) OnProgress(step string) {
	s.mu.Lock()
	s.s = append(s.s, step)
	s.mu.Unlock()
}

func (s *steps) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.s)
}

// inOrder reports whether want appears in got as a subsequence.
func inOrder(got []string, want ...string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

// memStore is a host-side Store.
type memStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (s *memStore) Load(key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.m[key]), nil
}

func (s *memStore) Save(key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string][]byte{}
	}
	if len(value) == 0 {
		delete(s.m, key)
	} else {
		s.m[key] = bytes.Clone(value)
	}
	return nil
}

func newAgent(t testing.TB, cfg *inkansdk.Config) *inkansdk.Agent {
	t.Helper()
	a, err := inkansdk.NewAgent(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// wantCode fails unless err is an SDK error with code.
func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := inkansdk.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

// coldAPDUs is the number of APDUs of a cold login: SELECT, the
// certificate in 256-byte chunks, then SELECT, SELECT PIN EF, counter,
// VERIFY, SIGN.
func coldAPDUs(t testing.TB) int {
	n := len(bridgetest.Card(t).Auth.Certificate)
	return 1 + (n+255)/256 + 5
}
