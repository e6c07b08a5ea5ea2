package pcsc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ebfe/scard"

	"github.com/inkan-id/inkan/cardauth"
)

// Options choose the reader and tune a Card.
type Options struct {
	// Reader is the exact reader name, or a case-insensitive part of it
	// that matches one reader. Empty means the one reader holding a card;
	// if several hold one, Open fails with *AmbiguousReaderError rather
	// than guess whose card to use.
	Reader string
	// Wait is how long Open waits for a card to be inserted when the
	// chosen reader (or every reader) is empty. Zero: do not wait.
	// Readers must be plugged in before Open starts.
	Wait time.Duration
	// OnReset runs after the Card reconnected to a card that was reset,
	// before Transmit returns ErrCardReset. It must send APDUs through t
	// (the fresh connection), not through the Card. Nil means: re-send the
	// last successful SELECT by DF name (P1 04), so the card is back in the
	// application the caller was using. Neither restores verified PINs.
	OnReset func(ctx context.Context, t cardauth.Transceiver) error
}

// Card is a connection to the card in one reader, in shared mode. It
// implements cardauth.Transceiver and cardauth.Locker. Its methods are
// safe for concurrent use, but a card has one current file and security
// state, so one sequence at a time should drive it.
type Card struct {
	mu         sync.Mutex
	sc         *scard.Context
	h          *scard.Card
	reader     string
	onReset    func(ctx context.Context, t cardauth.Transceiver) error
	lastSelect []byte // last SELECT by DF name the card accepted
	locked     bool
	closed     bool
}

var (
	_ cardauth.Transceiver = (*Card)(nil)
	_ cardauth.Locker      = (*Card)(nil)
)

// Open connects to a card (ShareShared, T=0 or T=1, whichever the card
// offers), choosing the reader as Options.Reader says.
func Open(ctx context.Context, opts Options) (*Card, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sc, err := scard.EstablishContext()
	if err != nil {
		return nil, wrap("establish context", err)
	}
	name, err := pick(ctx, sc, opts.Reader, opts.Wait)
	if err != nil {
		sc.Release()
		return nil, err
	}
	h, err := sc.Connect(name, scard.ShareShared, scard.ProtocolAny)
	if err != nil {
		sc.Release()
		return nil, wrap(fmt.Sprintf("connect to %q", name), err)
	}
	return &Card{sc: sc, h: h, reader: name, onReset: opts.OnReset}, nil
}

// Reader returns the name of the reader the card is in.
func (c *Card) Reader() string { return c.reader }

// Transmit sends one command APDU and returns the response. A removed card
// gives an error matching cardauth.ErrCardGone; a reset card gives one
// matching ErrCardReset (and ErrCardGone) after reconnecting, see Options.OnReset.
// ctx is checked before sending: PC/SC cannot abort a command in flight.
func (c *Card) Transmit(ctx context.Context, command []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	resp, err := c.transmit(ctx, command)
	if isCode(err, scard.ErrResetCard) {
		return nil, c.recoverReset(ctx, "transmit")
	}
	if err != nil {
		return nil, wrap("transmit", err)
	}
	if isSelectByName(command) && okSW(resp) {
		c.lastSelect = append(c.lastSelect[:0], command...)
	}
	return resp, nil
}

// transmit is the raw exchange, without reset handling. c.mu must be held.
func (c *Card) transmit(ctx context.Context, command []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if c.closed {
		return nil, ErrClosed
	}
	if len(command) < 4 {
		// scard indexes command[0]; a short APDU is a caller bug.
		return nil, fmt.Errorf("pcsc: command of %d bytes, want at least 4", len(command))
	}
	if p := c.h.ActiveProtocol(); p != scard.ProtocolT0 && p != scard.ProtocolT1 {
		// scard panics on other protocols; say so instead.
		return nil, fmt.Errorf("pcsc: unsupported protocol %d", p)
	}
	resp, err := c.h.Transmit(command)
	if err != nil {
		return nil, err
	}
	if len(resp) < 2 {
		return nil, fmt.Errorf("pcsc: response of %d bytes, want a status word", len(resp))
	}
	return resp, nil
}

// recoverReset reconnects after SCARD_W_RESET_CARD and puts the card back
// in the caller's application, then reports ErrCardReset: the PINs the
// caller verified are no longer verified, and continuing would fail later
// with a less helpful 6982 (or, worse, run under someone else's state).
// c.mu must be held.
func (c *Card) recoverReset(ctx context.Context, op string) error {
	if err := c.h.Reconnect(scard.ShareShared, scard.ProtocolAny, scard.LeaveCard); err != nil {
		return fmt.Errorf("%w (during %s); reconnect failed: %w", ErrCardReset, op, wrap("reconnect", err))
	}
	if err := c.reselect(ctx); err != nil {
		return fmt.Errorf("%w (during %s); restoring the application failed: %w", ErrCardReset, op, err)
	}
	return fmt.Errorf("%w (during %s)", ErrCardReset, op)
}

// reselect runs OnReset, or re-sends the last SELECT by DF name.
func (c *Card) reselect(ctx context.Context) error {
	raw := cardauth.TransceiverFunc(func(ctx context.Context, command []byte) ([]byte, error) {
		resp, err := c.transmit(ctx, command)
		if err != nil {
			return nil, wrap("transmit", err)
		}
		return resp, nil
	})
	if c.onReset != nil {
		return c.onReset(ctx, raw)
	}
	if c.lastSelect == nil {
		return nil
	}
	resp, err := raw(ctx, c.lastSelect)
	if err != nil {
		return err
	}
	if !okSW(resp) {
		return fmt.Errorf("pcsc: re-select answered %X", resp[len(resp)-2:])
	}
	return nil
}

func isSelectByName(cmd []byte) bool {
	return len(cmd) > 5 && cmd[0]&0xF0 == 0 && cmd[1] == 0xA4 && cmd[2] == 0x04
}

func okSW(resp []byte) bool {
	n := len(resp)
	return n >= 2 && (resp[n-2] == 0x90 && resp[n-1] == 0x00 || resp[n-2] == 0x61)
}

// Lock begins a PC/SC transaction: until Unlock, no other program can send
// commands to (or reset) the card, and pcsclite also holds back other
// programs' SCardConnect. It blocks while another program holds a
// transaction; PC/SC offers no way to abandon that wait, so ctx is only
// checked first. A reset that happened before Lock is absorbed (reconnect,
// re-select, then lock): whatever follows under the lock starts from SELECT
// anyway, as jpki.Login does.
func (c *Card) Lock(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	err := c.h.BeginTransaction()
	if isCode(err, scard.ErrResetCard) {
		if err := c.h.Reconnect(scard.ShareShared, scard.ProtocolAny, scard.LeaveCard); err != nil {
			return wrap("reconnect after reset", err)
		}
		if err := c.reselect(ctx); err != nil {
			return fmt.Errorf("%w; restoring the application failed: %w", ErrCardReset, err)
		}
		err = c.h.BeginTransaction()
	}
	if err != nil {
		return wrap("begin transaction", err)
	}
	c.locked = true
	return nil
}

// Unlock ends the transaction, leaving the card as it is (no reset), so
// the card stays in its state for the next command.
func (c *Card) Unlock() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || !c.locked {
		return nil
	}
	return c.endTransaction()
}

func (c *Card) endTransaction() error {
	c.locked = false
	err := c.h.EndTransaction(scard.LeaveCard)
	if isCode(err, scard.ErrResetCard) {
		// Reported late; the next Transmit must work, and the lock must go.
		if err := c.h.Reconnect(scard.ShareShared, scard.ProtocolAny, scard.LeaveCard); err != nil {
			return wrap("reconnect after reset", err)
		}
		err = c.h.EndTransaction(scard.LeaveCard)
	}
	if err == nil || isCode(err, scard.ErrNotTransacted) {
		return nil
	}
	return wrap("end transaction", err)
}

// Close ends any transaction, disconnects without resetting the card and
// releases the PC/SC context. It is safe to call more than once.
func (c *Card) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	var errs []error
	if c.locked {
		errs = append(errs, c.endTransaction())
	}
	c.closed = true
	if err := c.h.Disconnect(scard.LeaveCard); err != nil && !gone(scardCode(err)) {
		errs = append(errs, wrap("disconnect", err))
	}
	if err := c.sc.Release(); err != nil {
		errs = append(errs, wrap("release context", err))
	}
	return errors.Join(errs...)
}

func scardCode(err error) scard.Error {
	var code scard.Error
	errors.As(err, &code)
	return code
}
