// Package cardauth is Inkan's card domain: the transport every card reader
// implements, and the exchange rules (GET RESPONSE, Le correction) shared by
// the JPKI client in cardauth/jpki. Verification lives in cardauth/verify,
// the virtual card in cardauth/vcard, PC/SC in cardauth/pcsc.
package cardauth

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/inkan-id/inkan/cardauth/apdu"
)

// Transceiver sends one command APDU to a card and returns its response APDU
// (data ‖ SW1 SW2). PC/SC readers, a phone's NFC (IsoDep.transceive,
// NFCISO7816Tag.sendCommand), vpcd relays and the virtual card implement it.
// Implementations return an error wrapping ErrCardGone when the card was
// removed or the NFC tag was lost.
type Transceiver interface {
	Transmit(ctx context.Context, command []byte) ([]byte, error)
}

// TransceiverFunc adapts a function to Transceiver.
type TransceiverFunc func(ctx context.Context, command []byte) ([]byte, error)

// Transmit calls f.
func (f TransceiverFunc) Transmit(ctx context.Context, command []byte) ([]byte, error) {
	return f(ctx, command)
}

// ErrCardGone is wrapped by transport errors that mean the card is no longer
// reachable: removed from the reader, or the NFC tag was lost.
var ErrCardGone = errors.New("card removed or connection lost")

// maxChain bounds GET RESPONSE rounds so a misbehaving card cannot loop us.
const maxChain = 64

// ExchangeOptions tune Exchange.
type ExchangeOptions struct {
	// Extended allows extended-length APDUs when a command does not fit a
	// short one. Off by default: phones and some cards take only short APDUs.
	Extended bool
}

// Exchange encodes cmd, sends it and returns the response, following 61xx
// with GET RESPONSE and 6Cxx by resending with the corrected Le
// (ISO/IEC 7816-3 §12.2, 7816-4 §5.1.3). It returns an error only for
// transport or encoding failures; the caller interprets the status word.
func Exchange(ctx context.Context, t Transceiver, cmd apdu.Command, opt ExchangeOptions) (apdu.Response, error) {
	raw, err := cmd.Encode(opt.Extended)
	if err != nil {
		return apdu.Response{}, err
	}
	resp, err := transmit(ctx, t, raw)
	if err != nil {
		return apdu.Response{}, err
	}
	if n, ok := resp.SW.WrongLe(); ok {
		cmd.Ne = n
		if raw, err = cmd.Encode(opt.Extended); err != nil {
			return apdu.Response{}, err
		}
		if resp, err = transmit(ctx, t, raw); err != nil {
			return apdu.Response{}, err
		}
	}
	n, more := resp.SW.MoreData()
	if !more {
		return resp, nil
	}
	data := append([]byte(nil), resp.Data...)
	for range maxChain {
		get := []byte{cmd.CLA & 0x03, 0xC0, 0x00, 0x00, byte(n)}
		if resp, err = transmit(ctx, t, get); err != nil {
			return apdu.Response{}, err
		}
		data = append(data, resp.Data...)
		if n, more = resp.SW.MoreData(); !more {
			return apdu.Response{Data: data, SW: resp.SW}, nil
		}
	}
	return apdu.Response{}, fmt.Errorf("%w: more than %d GET RESPONSE rounds", apdu.ErrMalformed, maxChain)
}

func transmit(ctx context.Context, t Transceiver, raw []byte) (apdu.Response, error) {
	if err := ctx.Err(); err != nil {
		return apdu.Response{}, err
	}
	b, err := t.Transmit(ctx, raw)
	if err != nil {
		return apdu.Response{}, err
	}
	return apdu.ParseResponse(b)
}

// Counter wraps a Transceiver and counts the APDUs and bytes that cross it.
// It is safe for concurrent use.
type Counter struct {
	T Transceiver

	apdus, sent, received atomic.Int64
}

// Transmit forwards to the wrapped Transceiver and counts.
func (c *Counter) Transmit(ctx context.Context, command []byte) ([]byte, error) {
	c.apdus.Add(1)
	c.sent.Add(int64(len(command)))
	resp, err := c.T.Transmit(ctx, command)
	c.received.Add(int64(len(resp)))
	return resp, err
}

// Counts returns the number of APDUs sent and the bytes sent and received.
func (c *Counter) Counts() (apdus, sent, received int64) {
	return c.apdus.Load(), c.sent.Load(), c.received.Load()
}

// Reset sets all counts to zero.
func (c *Counter) Reset() {
	c.apdus.Store(0)
	c.sent.Store(0)
	c.received.Store(0)
}

// Locker is implemented by transceivers that can hold the card for one
// caller across several APDUs, such as a PC/SC transaction. Clients that
// must keep the card's security state between commands (VERIFY, then
// COMPUTE DIGITAL SIGNATURE) take the lock when it is offered.
type Locker interface {
	Lock(ctx context.Context) error
	Unlock() error
}

// Lock takes the wrapped Transceiver's lock when it offers one, so counting
// a PC/SC card keeps its transactions.
func (c *Counter) Lock(ctx context.Context) error { return lockInner(ctx, c.T) }

// Unlock releases what Lock took.
func (c *Counter) Unlock() error { return unlockInner(c.T) }

func lockInner(ctx context.Context, t Transceiver) error {
	if l, ok := t.(Locker); ok {
		return l.Lock(ctx)
	}
	return nil
}

func unlockInner(t Transceiver) error {
	if l, ok := t.(Locker); ok {
		return l.Unlock()
	}
	return nil
}
