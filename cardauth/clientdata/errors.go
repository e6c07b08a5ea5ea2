package clientdata

import (
	"errors"
	"fmt"
)

// ErrTooLarge means the input is longer than MaxSize.
var ErrTooLarge = errors.New("clientdata: larger than 1 KiB")

// FieldError reports a key or value that breaks the format: an unknown,
// duplicate or missing key, a value that is not a string, or a value that
// fails its rule. Field is the JSON key ("type", "origin", "tx", "nonce",
// "time"), or the offending key quoted for unknown keys.
type FieldError struct {
	Field  string
	Reason string
}

// Error names the field and the rule it broke.
func (e *FieldError) Error() string {
	return fmt.Sprintf("clientdata: field %s: %s", e.Field, e.Reason)
}

// SyntaxError means the input is not a single JSON object.
type SyntaxError struct {
	// Offset is the byte offset where the problem was found.
	Offset int64
	Reason string
}

// Error gives the offset and reason.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("clientdata: not a JSON object at byte %d: %s", e.Offset, e.Reason)
}

// NonCanonicalError means the input holds valid values but is not the exact
// canonical encoding of them: whitespace, another key order, JSON escapes,
// another time or nonce spelling. Offset is the first byte that differs from
// the canonical form, to help implementers in other languages.
type NonCanonicalError struct {
	Offset int
}

// Error gives the offset of the first differing byte.
func (e *NonCanonicalError) Error() string {
	return fmt.Sprintf("clientdata: not canonical (first difference at byte %d)", e.Offset)
}
