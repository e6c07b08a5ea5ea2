package mobilebridge

import "fmt"

// TransportError is a failure to talk to the provider at all: DNS, TCP,
// TLS, a timeout. Trying again may help.
type TransportError struct {
	Op  string // "fetch" or "post"
	Err error
}

// Error implements error.
func (e *TransportError) Error() string { return fmt.Sprintf("bridge: %s: %v", e.Op, e.Err) }

// Unwrap returns the cause.
func (e *TransportError) Unwrap() error { return e.Err }

// BadAnswerError means the provider answered something outside the
// protocol: not JSON, a redirect, another transaction than the link names.
type BadAnswerError struct {
	Op     string
	Status int // HTTP status
	Reason string
}

// Error implements error.
func (e *BadAnswerError) Error() string {
	return fmt.Sprintf("bridge: %s: unexpected answer (HTTP %d): %s", e.Op, e.Status, e.Reason)
}
