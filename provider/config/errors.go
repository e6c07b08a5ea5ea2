package config

import (
	"fmt"
	"strings"
)

// FieldError is one problem with one field.
type FieldError struct {
	// Field is the YAML path, like "tokens.code_ttl" or
	// "clients[2].redirect_uris[0]".
	Field string
	// Msg says what is wrong and, where it helps, what would be right.
	Msg string
}

// Error implements error.
func (e FieldError) Error() string { return e.Field + ": " + e.Msg }

// ValidationError lists every problem Validate found, in file order, so an
// operator fixes them in one pass instead of one per restart.
type ValidationError struct {
	Errs []FieldError
}

// Error implements error.
func (e *ValidationError) Error() string {
	if len(e.Errs) == 1 {
		return "invalid config: " + e.Errs[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "invalid config (%d problems):", len(e.Errs))
	for _, fe := range e.Errs {
		b.WriteString("\n  ")
		b.WriteString(fe.Error())
	}
	return b.String()
}

// Field returns the first error about field, or nil. Tests and tools use it
// to check that a problem was reported where it belongs.
func (e *ValidationError) Field(field string) *FieldError {
	for i := range e.Errs {
		if e.Errs[i].Field == field {
			return &e.Errs[i]
		}
	}
	return nil
}

// errs collects FieldErrors.
type errs []FieldError

func (l *errs) add(field, format string, args ...any) {
	*l = append(*l, FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (l errs) err() error {
	if len(l) == 0 {
		return nil
	}
	return &ValidationError{Errs: l}
}

// idx builds "path[i]".
func idx(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }
