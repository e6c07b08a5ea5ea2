package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/inkan-id/inkan/cardauth"
	"github.com/inkan-id/inkan/cardauth/jpki"
	"github.com/inkan-id/inkan/cardauth/pcsc"
)

// Exit codes, documented in usage.
const (
	exitOK         = 0
	exitError      = 1
	exitUsage      = 2
	exitNoCard     = 3
	exitWrongPIN   = 4
	exitBlocked    = 5
	exitLastTry    = 6
	exitBadPIN     = 7
	exitCardGone   = 8
	exitCardRefuse = 9
)

// fail prints a message for a user (not a hex code, style.md) and
// returns the exit code for err. k names the credential in messages.
func fail(w io.Writer, k jpki.KeyKind, err error) int {
	code, msg := explain(k, err)
	fmt.Fprintln(w, "inkan-reader: "+msg)
	return code
}

func explain(k jpki.KeyKind, err error) (int, string) {
	what, where := "PIN", "at your municipal office"
	if k == jpki.SignKey {
		what, where = "signature password", "at your municipal office or a convenience-store kiosk"
	}
	var (
		wrong  *jpki.WrongPINError
		format *jpki.PINFormatError
		nf     *pcsc.ReaderNotFoundError
		amb    *pcsc.AmbiguousReaderError
	)
	switch {
	case errors.As(err, &format):
		return exitBadPIN, fmt.Sprintf("the %s %s; nothing was sent to the card", what, format.Reason)
	case errors.As(err, &wrong) && wrong.Remaining > 0:
		return exitWrongPIN, fmt.Sprintf("wrong %s, %s left", what, tries(wrong.Remaining))
	case errors.As(err, &wrong):
		return exitBlocked, fmt.Sprintf("wrong %s; the %s is now blocked; reset it %s", what, what, where)
	case errors.Is(err, jpki.ErrPINBlocked):
		return exitBlocked, fmt.Sprintf("%s is blocked; reset it %s", what, where)
	case errors.Is(err, jpki.ErrLastTry):
		return exitLastTry, fmt.Sprintf("only 1 try left: a wrong %s now blocks it. "+
			"If you are sure of it, run again with --confirm-last-try", what)
	case errors.Is(err, pcsc.ErrNoService):
		return exitNoCard, "the smart-card service (pcscd) is not running"
	case errors.Is(err, pcsc.ErrNoReaders):
		return exitNoCard, "no smart-card reader found; connect one"
	case errors.As(err, &nf), errors.As(err, &amb):
		return exitNoCard, err.Error()
	case errors.Is(err, pcsc.ErrInUse):
		return exitNoCard, "another program is using the card exclusively; close it and try again"
	case errors.Is(err, pcsc.ErrNoCard):
		msg := "no card in the reader; insert your My Number Card"
		if err != pcsc.ErrNoCard {
			msg += " (" + err.Error() + ")"
		}
		return exitNoCard, msg
	case errors.Is(err, pcsc.ErrCardReset):
		return exitCardGone, "the card was reset by another program; nothing was signed, try again"
	case errors.Is(err, cardauth.ErrCardGone):
		return exitCardGone, "the card was removed or lost contact; put it back and try again"
	case errors.Is(err, jpki.ErrFileNotFound) && k == jpki.SignKey:
		return exitCardRefuse, "this card has no signature certificate (" + err.Error() + ")"
	case errors.Is(err, jpki.ErrFileNotFound):
		return exitCardRefuse, "this card has no JPKI application; is it a My Number Card? (" + err.Error() + ")"
	case errors.Is(err, jpki.ErrSecurityStatus):
		return exitCardRefuse, fmt.Sprintf("the card wants the %s first (%v)", what, err)
	case errors.Is(err, context.Canceled):
		return exitError, "cancelled"
	}
	return exitError, err.Error()
}

func tries(n int) string {
	if n == 1 {
		return "1 try"
	}
	return fmt.Sprintf("%d tries", n)
}
