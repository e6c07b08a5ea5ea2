package main

import (
	"context"

	"github.com/inkan-id/inkan/cardauth"
)

// count wraps t in a cardauth.Counter, which keeps t's PC/SC transaction.
func count(t cardauth.Transceiver) *cardauth.Counter { return &cardauth.Counter{T: t} }

// lock takes t's lock if it offers one and returns the matching unlock.
func lock(ctx context.Context, t cardauth.Transceiver) (func(), error) {
	l, ok := t.(cardauth.Locker)
	if !ok {
		return func() {}, nil
	}
	if err := l.Lock(ctx); err != nil {
		return nil, err
	}
	return func() { _ = l.Unlock() }, nil
}

// readerName returns the reader c is in, when the transport knows it.
func readerName(c conn) string {
	if r, ok := c.(interface{ Reader() string }); ok {
		return r.Reader()
	}
	return ""
}
