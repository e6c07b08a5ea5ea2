package mobilebridge

import (
	"fmt"

	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

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

// OriginMismatchError means the provider names another origin than the
// one the agent connected to: the link may lead to a site that relays
// another provider's login. The agent stops before the card is used. It
// unwraps to a *protocol.Error with code origin_mismatch, whose texts an
// app can show.
type OriginMismatchError struct {
	Connected string // the link's origin
	Named     string // the origin the provider gave
}

// Error implements error.
func (e *OriginMismatchError) Error() string {
	return fmt.Sprintf("bridge: fetch: the link is for %s but the provider says it is %q", e.Connected, e.Named)
}

// Unwrap returns the protocol error an app shows for it.
func (e *OriginMismatchError) Unwrap() error { return protocol.NewError(protocol.CodeOriginMismatch) }
