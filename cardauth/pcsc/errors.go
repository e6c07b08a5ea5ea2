package pcsc

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ebfe/scard"

	"github.com/inkan-id/inkan/cardauth"
)

// Sentinel errors. PC/SC failures are *Error values that match these (and
// cardauth.ErrCardGone) through errors.Is, so callers never test codes.
var (
	// ErrNoService: the PC/SC daemon (pcscd) is not running or not reachable.
	ErrNoService = errors.New("pcsc: smart-card service not running")
	// ErrNoReaders: PC/SC runs but no reader is connected.
	ErrNoReaders = errors.New("pcsc: no smart-card reader found")
	// ErrNoCard: the chosen reader (or every reader) is empty.
	ErrNoCard = errors.New("pcsc: no card in the reader")
	// ErrInUse: another program holds the card exclusively.
	ErrInUse = errors.New("pcsc: card is in exclusive use by another program")
	// ErrCardReset: the card was reset (by another program or the reader)
	// and has lost its security state. The Card has reconnected; restart
	// the sequence from SELECT. It wraps cardauth.ErrCardGone, whose remedy
	// ("start again with the card in place") is the same.
	ErrCardReset = fmt.Errorf("pcsc: card was reset and lost its security state: %w", cardauth.ErrCardGone)
	// ErrClosed: the Card was used after Close.
	ErrClosed = errors.New("pcsc: card handle closed")
)

// Error is a failed PC/SC call.
type Error struct {
	Op   string      // what we called, e.g. "transmit", "connect to \"Reader 0\""
	Code scard.Error // the SCARD_E_* / SCARD_W_* code
}

func (e *Error) Error() string { return fmt.Sprintf("pcsc: %s: %v", e.Op, e.Code) }

// Unwrap exposes the scard code.
func (e *Error) Unwrap() error { return e.Code }

// Is maps PC/SC codes to the sentinels of this package and of cardauth.
func (e *Error) Is(target error) bool {
	switch target {
	case cardauth.ErrCardGone:
		return gone(e.Code)
	case ErrNoCard:
		return e.Code == scard.ErrNoSmartcard || e.Code == scard.ErrRemovedCard
	case ErrNoService:
		return e.Code == scard.ErrNoService || e.Code == scard.ErrServiceStopped
	case ErrNoReaders:
		return e.Code == scard.ErrNoReadersAvailable
	case ErrInUse:
		return e.Code == scard.ErrSharingViolation
	}
	return false
}

// gone reports codes after which the card is no longer reachable through
// this handle: removed, unpowered, mute, reader unplugged, pcscd stopped.
func gone(c scard.Error) bool {
	switch c {
	case scard.ErrRemovedCard, scard.ErrNoSmartcard, scard.ErrReaderUnavailable,
		scard.ErrUnknownReader, scard.ErrUnpoweredCard, scard.ErrUnresponsiveCard,
		scard.ErrCommError, scard.ErrInvalidHandle, scard.ErrNoService, scard.ErrServiceStopped:
		return true
	}
	return false
}

// wrap turns an scard error into *Error; other errors pass through.
func wrap(op string, err error) error {
	var code scard.Error
	if errors.As(err, &code) {
		return &Error{Op: op, Code: code}
	}
	if err != nil {
		return fmt.Errorf("pcsc: %s: %w", op, err)
	}
	return nil
}

// isCode reports whether err is the scard code c.
func isCode(err error, c scard.Error) bool {
	var code scard.Error
	return errors.As(err, &code) && code == c
}

// ReaderNotFoundError says no reader matches the name asked for.
type ReaderNotFoundError struct {
	Name      string
	Available []string
}

func (e *ReaderNotFoundError) Error() string {
	return fmt.Sprintf("pcsc: no reader matches %q; readers: %s", e.Name, quoteList(e.Available))
}

// AmbiguousReaderError says several readers match, or several hold a card
// when none was named; the user must pick one with its name.
type AmbiguousReaderError struct {
	Name       string // the name asked for; empty when none was given
	Candidates []string
}

func (e *AmbiguousReaderError) Error() string {
	if e.Name == "" {
		return fmt.Sprintf("pcsc: several readers hold a card, name one: %s", quoteList(e.Candidates))
	}
	return fmt.Sprintf("pcsc: %q matches several readers, use the full name: %s", e.Name, quoteList(e.Candidates))
}

func quoteList(names []string) string {
	if len(names) == 0 {
		return "(none)"
	}
	return `"` + strings.Join(names, `", "`) + `"`
}
