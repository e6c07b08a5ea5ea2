package jpki

import (
	"errors"
	"fmt"

	"github.com/inkan-id/inkan/cardauth/apdu"
)

// Sentinel errors. Card answers are *StatusError or *WrongPINError values
// that match these with errors.Is, so a UI can pick the right words.
var (
	// ErrPINBlocked: the PIN's counter is exhausted (63C0 on the attempt
	// that blocked it, 6984 on every later one). Only the municipal office
	// can reset it (the sign password also at convenience-store kiosks).
	ErrPINBlocked = errors.New("jpki: PIN blocked")
	// ErrSecurityStatus: 6982, the PIN was not verified in this session.
	ErrSecurityStatus = errors.New("jpki: security status not satisfied")
	// ErrFileNotFound: 6A82, the application or file is absent (not a
	// My Number Card, or no signature certificate on this card).
	ErrFileNotFound = errors.New("jpki: file not found")
	// ErrLastTry: the counter stands at 1 and the caller did not confirm
	// that the user understands a wrong PIN now blocks the card.
	ErrLastTry = errors.New("jpki: one try left; confirmation required")
	// ErrMalformedResponse: the card answered something that does not parse.
	ErrMalformedResponse = errors.New("jpki: malformed card response")
)

// StatusError is a card answer other than 9000 that has no more specific
// type. It matches the sentinels above through Is.
type StatusError struct {
	Op string // what we asked, e.g. "select JPKI AP"
	SW apdu.StatusWord
}

func (e *StatusError) Error() string { return fmt.Sprintf("jpki: %s: card answered %s", e.Op, e.SW) }

// Is matches the sentinel errors by status word.
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrPINBlocked:
		return e.SW == apdu.SWBlocked
	case ErrSecurityStatus:
		return e.SW == apdu.SWSecurityStatus
	case ErrFileNotFound:
		return e.SW == apdu.SWFileNotFound
	}
	return false
}

// WrongPINError is a rejected VERIFY (63Cx). Remaining is the number of
// tries left; zero means this attempt blocked the PIN (it matches
// ErrPINBlocked).
type WrongPINError struct {
	Remaining int
}

func (e *WrongPINError) Error() string {
	if e.Remaining == 0 {
		return "jpki: wrong PIN; the PIN is now blocked"
	}
	return fmt.Sprintf("jpki: wrong PIN; %d tries left", e.Remaining)
}

// Is makes a WrongPINError with no tries left match ErrPINBlocked.
func (e *WrongPINError) Is(target error) bool {
	return target == ErrPINBlocked && e.Remaining == 0
}

// PINFormatError says a PIN or password was refused before it reached the
// card, because a malformed one may still cost a try there.
type PINFormatError struct {
	Kind   KeyKind
	Reason string
}

func (e *PINFormatError) Error() string {
	return fmt.Sprintf("jpki: %s: %s", e.Kind.credential(), e.Reason)
}

// CertificateError says a certificate read from the card is unusable.
type CertificateError struct {
	Reason string
}

func (e *CertificateError) Error() string { return "jpki: certificate on card: " + e.Reason }

// Unwrap lets errors.Is(err, ErrMalformedResponse) match.
func (e *CertificateError) Unwrap() error { return ErrMalformedResponse }
