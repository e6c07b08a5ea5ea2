package inkansdk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/inkan-id/inkan/cardauth"
	"github.com/inkan-id/inkan/cardauth/apdu"
)

// NFC is the host's link to the card, implemented by the app.
//
// Android: wrap android.nfc.tech.IsoDep (connect(), setTimeout(5000),
// transceive). iOS: wrap NFCISO7816Tag.sendCommand, appending SW1 SW2 to
// the response data, and block until the completion handler ran. The SDK
// calls these methods from a background thread, one at a time.
type NFC interface {
	// Transceive sends one command APDU and returns the response APDU
	// (data ‖ SW1 SW2).
	//
	// Errors: start the message with "cancelled" when the user closed the
	// NFC sheet; any other error means the tag was lost (recommended text:
	// "tag_lost: ..."; Android's TagLostException and IOException and
	// iOS's readerTransceiveErrorTagConnectionLost can simply be passed
	// on). The SDK also treats a call that takes longer than
	// Config.APDUTimeoutMillis as a lost tag.
	Transceive(apdu []byte) ([]byte, error)
	// WaitForCard is called after a lost tag, before the SDK retries a step
	// that is safe to repeat. It blocks until the card is connected again
	// (Android: the next onTagDiscovered, IsoDep connect and setTimeout;
	// iOS: restartPolling and connect in didDetect), or returns an error
	// after timeoutMillis. Return an error whose message starts with
	// "cancelled" when the user gave up. A host that cannot reconnect
	// returns an error at once; the SDK then reports card_moved_away.
	WaitForCard(timeoutMillis int) error
}

// errAPDUTimeout marks a host call abandoned after Config.APDUTimeoutMillis.
var errAPDUTimeout = errors.New("no answer within the APDU timeout")

// lostError is a lost tag, as reported by the host or by a timeout. It
// wraps cardauth.ErrCardGone so the card layer treats it as a card that
// went away.
type lostError struct{ reason string }

func (e *lostError) Error() string { return "nfc: " + e.reason + ": " + cardauth.ErrCardGone.Error() }
func (e *lostError) Unwrap() error { return cardauth.ErrCardGone }

// counterDroppedError: a VERIFY whose answer was lost reached the card
// after all, and the counter shows it was wrong. The SDK sends no second
// VERIFY and reports a wrong PIN with the tries left.
type counterDroppedError struct{ tries int }

func (e *counterDroppedError) Error() string {
	return fmt.Sprintf("the previous PIN reached the card and was wrong (%d tries left)", e.tries)
}

// verifyMemory remembers, for the life of an Agent, that a VERIFY was sent
// and its answer lost, with the counter read just before it.
type verifyMemory struct {
	mu      sync.Mutex
	pending bool
	counter int
}

func (m *verifyMemory) set(counter int) {
	m.mu.Lock()
	m.pending, m.counter = true, counter
	m.mu.Unlock()
}

func (m *verifyMemory) get() (pending bool, counter int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pending, m.counter
}

func (m *verifyMemory) clear() {
	m.mu.Lock()
	m.pending = false
	m.mu.Unlock()
}

// hostGate keeps host calls one at a time: a call abandoned on timeout
// must have returned before the next one starts, since neither IsoDep nor
// CoreNFC take concurrent commands.
type hostGate struct {
	mu   sync.Mutex
	busy chan struct{} // closed when the abandoned call returns; nil if none
}

func (g *hostGate) wait(ctx context.Context) error {
	g.mu.Lock()
	busy := g.busy
	g.mu.Unlock()
	if busy == nil {
		return nil
	}
	select {
	case <-busy:
		g.mu.Lock()
		if g.busy == busy {
			g.busy = nil
		}
		g.mu.Unlock()
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *hostGate) abandon(done chan struct{}) {
	g.mu.Lock()
	g.busy = done
	g.mu.Unlock()
}

// cardLink is the cardauth.Transceiver the card layer talks to. It runs
// each host call under its own timer, counts and times APDUs, reports
// progress, and enforces the VERIFY rules itself, below the JPKI client,
// so that no code path above can break them:
//
//   - at most one VERIFY with data per attempt;
//   - a VERIFY whose answer was lost is remembered with the counter read
//     before it; the next attempt compares the fresh counter and, if it
//     dropped, refuses to send the PIN and reports a wrong PIN.
type cardLink struct {
	nfc      NFC
	timeout  time.Duration
	gate     *hostGate
	mem      *verifyMemory
	meter    *meter
	progress func(step string)

	apdus int

	// Per attempt (reset by begin).
	verifySent        bool
	verifyOK          bool
	lostAfterVerifyOK bool
	counter           int // last counter read, -1 unknown
}

// begin starts an attempt: a fresh run from SELECT.
func (l *cardLink) begin() {
	l.verifySent, l.verifyOK, l.lostAfterVerifyOK, l.counter = false, false, false, -1
}

// call runs f on the host under timeout. A call still running when the
// timer or ctx ends is abandoned (it cannot be interrupted) and the gate
// holds the next call until it returns.
func (l *cardLink) call(ctx context.Context, timeout time.Duration, f func() ([]byte, error)) ([]byte, error) {
	if err := l.gate.wait(ctx); err != nil {
		return nil, err
	}
	type result struct {
		b   []byte
		err error
	}
	ch := make(chan result, 1)
	done := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(done)
		b, err := f()
		ch <- result{b, err}
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	defer func() { l.meter.addCard(time.Since(start)) }()
	select {
	case r := <-ch:
		return r.b, r.err
	case <-timer.C:
		l.gate.abandon(done)
		return nil, errAPDUTimeout
	case <-ctx.Done():
		l.gate.abandon(done)
		return nil, ctx.Err()
	}
}

// classify turns a host failure into the error the card layer sees.
func classify(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	msg := err.Error()
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(msg)), "cancel") {
		return fmt.Errorf("%w by the host: %s", errCancelled, msg)
	}
	if errors.Is(err, errAPDUTimeout) {
		return &lostError{reason: err.Error()}
	}
	return &lostError{reason: msg}
}

// Transmit implements cardauth.Transceiver.
func (l *cardLink) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	isVerify := len(cmd) > 5 && cmd[1] == 0x20 // VERIFY with a PIN
	isCounter := len(cmd) == 4 && cmd[1] == 0x20
	isSign := len(cmd) > 2 && cmd[1] == 0x2A
	if isVerify {
		if l.verifySent {
			return nil, errors.New("inkansdk: refusing a second VERIFY in one attempt")
		}
		if pending, before := l.mem.get(); pending {
			if l.counter < 0 {
				return nil, errors.New("inkansdk: counter not read before VERIFY")
			}
			l.mem.clear()
			if l.counter < before {
				return nil, &counterDroppedError{tries: l.counter}
			}
		}
		l.verifySent = true
		l.progress(StepSigning)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.apdus++
	resp, err := l.call(ctx, l.timeout, func() ([]byte, error) { return l.nfc.Transceive(cmd) })
	if err == nil && len(resp) < 2 {
		err = errors.New("answer shorter than a status word")
	}
	if err != nil {
		if isVerify {
			// The PIN may or may not have reached the card.
			l.mem.set(l.counter)
		}
		if l.verifyOK {
			l.lostAfterVerifyOK = true
		}
		return nil, classify(ctx, err)
	}
	sw := apdu.StatusWord(resp[len(resp)-2])<<8 | apdu.StatusWord(resp[len(resp)-1])
	switch {
	case isCounter:
		if n, ok := sw.Retries(); ok {
			l.counter = n
		} else if sw == apdu.SWBlocked {
			l.counter = 0
		}
	case isVerify:
		if sw.OK() {
			l.verifyOK = true
		} else if n, ok := sw.Retries(); ok {
			l.counter = n
		}
	case isSign && (sw.OK() || sw.SW1() == 0x61):
		l.progress(StepSending)
	}
	return resp, nil
}

// waitForCard asks the host to bring the card back, within the deadline.
func (l *cardLink) waitForCard(ctx context.Context, wait time.Duration) error {
	l.progress(StepWaitingForCard)
	if dl, ok := ctx.Deadline(); ok {
		wait = min(wait, time.Until(dl))
	}
	if wait <= 0 {
		return context.DeadlineExceeded
	}
	ms := int(wait / time.Millisecond)
	// A second of grace for hosts that overshoot their own timer.
	_, err := l.call(ctx, wait+time.Second, func() ([]byte, error) { return nil, l.nfc.WaitForCard(ms) })
	if err != nil {
		return classify(ctx, err)
	}
	l.progress(StepReading)
	return nil
}
