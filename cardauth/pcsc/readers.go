package pcsc

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ebfe/scard"
)

// Reader describes one reader as PC/SC sees it.
type Reader struct {
	Name      string
	Card      bool // a card is present and answered the reset (not mute)
	Exclusive bool // another program holds the card exclusively
	ATR       []byte
}

// Readers returns the names of the connected readers. No reader is an
// empty list, not an error; a stopped pcscd is ErrNoService.
func Readers(ctx context.Context) ([]string, error) {
	rs, err := List(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = r.Name
	}
	return names, nil
}

// List returns the connected readers with their card state.
func List(ctx context.Context) ([]Reader, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sc, err := scard.EstablishContext()
	if err != nil {
		return nil, wrap("establish context", err)
	}
	defer sc.Release()
	return list(sc)
}

func list(sc *scard.Context) ([]Reader, error) {
	names, err := sc.ListReaders()
	if isCode(err, scard.ErrNoReadersAvailable) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("list readers", err)
	}
	if len(names) == 0 {
		return nil, nil
	}
	states := unaware(names)
	// From "unaware", GetStatusChange answers at once with every state.
	if err := sc.GetStatusChange(states, 0); err != nil && !isCode(err, scard.ErrTimeout) {
		return nil, wrap("get reader status", err)
	}
	out := make([]Reader, len(states))
	for i, s := range states {
		out[i] = Reader{
			Name:      s.Reader,
			Card:      hasCard(s.EventState),
			Exclusive: s.EventState&scard.StateExclusive != 0,
			ATR:       append([]byte(nil), s.Atr...),
		}
	}
	return out, nil
}

func unaware(names []string) []scard.ReaderState {
	states := make([]scard.ReaderState, len(names))
	for i, n := range names {
		states[i] = scard.ReaderState{Reader: n, CurrentState: scard.StateUnaware}
	}
	return states
}

func hasCard(f scard.StateFlag) bool {
	return f&scard.StatePresent != 0 && f&scard.StateMute == 0
}

// match returns the readers named want: the exact name if there is one,
// else every reader whose name contains want, ignoring case.
func match(names []string, want string) []string {
	for _, n := range names {
		if n == want {
			return []string{n}
		}
	}
	var out []string
	lw := strings.ToLower(want)
	for _, n := range names {
		if strings.Contains(strings.ToLower(n), lw) {
			out = append(out, n)
		}
	}
	return out
}

// pick chooses the reader to connect to (see Options.Reader), waiting up
// to wait for a card when the candidates are empty.
func pick(ctx context.Context, sc *scard.Context, want string, wait time.Duration) (string, error) {
	rs, err := list(sc)
	if err != nil {
		return "", err
	}
	if len(rs) == 0 {
		return "", ErrNoReaders
	}
	names := make([]string, len(rs))
	card := map[string]bool{}
	for i, r := range rs {
		names[i] = r.Name
		card[r.Name] = r.Card
	}
	candidates := names
	if want != "" {
		candidates = match(names, want)
		switch len(candidates) {
		case 0:
			return "", &ReaderNotFoundError{Name: want, Available: names}
		case 1:
		default:
			return "", &AmbiguousReaderError{Name: want, Candidates: candidates}
		}
	}
	if name, err := withCard(candidates, card, want); name != "" || err != nil {
		return name, err
	}
	if wait <= 0 {
		if want != "" {
			return "", fmt.Errorf("%w %q", ErrNoCard, candidates[0])
		}
		return "", ErrNoCard
	}
	return waitCard(ctx, sc, candidates, want, wait)
}

// withCard returns the one candidate holding a card, "" if none does, or
// an error if several do: guessing could sign with the wrong person's card.
func withCard(candidates []string, card map[string]bool, want string) (string, error) {
	var with []string
	for _, n := range candidates {
		if card[n] {
			with = append(with, n)
		}
	}
	switch len(with) {
	case 0:
		return "", nil
	case 1:
		return with[0], nil
	}
	return "", &AmbiguousReaderError{Name: want, Candidates: with}
}

// waitCard blocks in GetStatusChange until a candidate holds a card, the
// time is up (ErrNoCard) or ctx ends (SCardCancel wakes the call).
func waitCard(ctx context.Context, sc *scard.Context, candidates []string, want string, wait time.Duration) (string, error) {
	stop := context.AfterFunc(ctx, func() { _ = sc.Cancel() })
	defer stop()
	deadline := time.Now().Add(wait)
	states := unaware(candidates)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return "", fmt.Errorf("%w after waiting %v", ErrNoCard, wait)
		}
		err := sc.GetStatusChange(states, left)
		switch {
		case ctx.Err() != nil:
			return "", ctx.Err()
		case isCode(err, scard.ErrTimeout):
			return "", fmt.Errorf("%w after waiting %v", ErrNoCard, wait)
		case err != nil:
			return "", wrap("wait for card", err)
		}
		card := map[string]bool{}
		for i := range states {
			card[states[i].Reader] = hasCard(states[i].EventState)
			states[i].CurrentState = states[i].EventState &^ scard.StateChanged
		}
		if name, err := withCard(candidates, card, want); name != "" || err != nil {
			return name, err
		}
	}
}
