package vcard

import (
	"errors"
	"fmt"

	"github.com/inkan-id/inkan/cardauth"
)

// GoneError is returned by Transmit when the card cannot answer: it is powered
// off, or a fault removed it. It wraps cardauth.ErrCardGone so clients treat it
// exactly like a tag lost over NFC or a card pulled from a reader.
type GoneError struct {
	Reason string
}

func (e *GoneError) Error() string { return "vcard: " + e.Reason + ": " + cardauth.ErrCardGone.Error() }

// Unwrap returns cardauth.ErrCardGone.
func (e *GoneError) Unwrap() error { return cardauth.ErrCardGone }

// PersistError is returned by Transmit when a PIN-counter or PIN change could
// not be written to the card file. The card then answers nothing: a response
// that claimed a change the file does not hold would let a restart undo a
// wrong-PIN count.
type PersistError struct {
	Path string
	Err  error
}

func (e *PersistError) Error() string {
	return fmt.Sprintf("vcard: saving card file %s: %v", e.Path, e.Err)
}

// Unwrap returns the underlying I/O error.
func (e *PersistError) Unwrap() error { return e.Err }

// ErrInvalidFile is wrapped by every error of File.Validate.
var ErrInvalidFile = errors.New("vcard: invalid card file")

// ErrInvalidSpec is wrapped by every error of Spec validation in Issue.
var ErrInvalidSpec = errors.New("vcard: invalid card spec")
