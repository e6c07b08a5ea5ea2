package cardauth

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/inkan-id/inkan/cardauth/apdu"
)

// dialogue answers commands from a map of hex command → hex response and
// records what it was sent.
type dialogue struct {
	answers map[string]string
	sent    []string
}

func (d *dialogue) Transmit(_ context.Context, cmd []byte) ([]byte, error) {
	h := hex.EncodeToString(cmd)
	d.sent = append(d.sent, h)
	r, ok := d.answers[h]
	if !ok {
		return []byte{0x6D, 0x00}, nil
	}
	return hex.DecodeString(r)
}

func TestExchangeGetResponse(t *testing.T) {
	d := &dialogue{answers: map[string]string{
		"00b0000000": "0102" + "6103",
		"00c0000003": "030405" + "6102",
		"00c0000002": "0607" + "9000",
	}}
	r, err := Exchange(context.Background(), d, apdu.Command{INS: 0xB0, Ne: 256}, ExchangeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.Data, []byte{1, 2, 3, 4, 5, 6, 7}) || r.SW != apdu.SWOK {
		t.Fatalf("got %x %s", r.Data, r.SW)
	}
}

func TestExchangeWrongLe(t *testing.T) {
	d := &dialogue{answers: map[string]string{
		"00b0000000": "6c04",
		"00b0000004": "0a0b0c0d9000",
	}}
	r, err := Exchange(context.Background(), d, apdu.Command{INS: 0xB0, Ne: 256}, ExchangeOptions{})
	if err != nil || hex.EncodeToString(r.Data) != "0a0b0c0d" {
		t.Fatalf("got %x %v (sent %v)", r.Data, err, d.sent)
	}
}

func TestExchangeEndlessChainStops(t *testing.T) {
	card := TransceiverFunc(func(context.Context, []byte) ([]byte, error) { return []byte{0xAA, 0x61, 0x01}, nil })
	_, err := Exchange(context.Background(), card, apdu.Command{INS: 0xB0, Ne: 1}, ExchangeOptions{})
	if !errors.Is(err, apdu.ErrMalformed) {
		t.Fatalf("err = %v", err)
	}
}

func TestExchangeErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	card := TransceiverFunc(func(context.Context, []byte) ([]byte, error) { called = true; return []byte{0x90, 0}, nil })
	if _, err := Exchange(ctx, card, apdu.Command{}, ExchangeOptions{}); !errors.Is(err, context.Canceled) || called {
		t.Fatalf("cancelled context: err = %v, called = %v", err, called)
	}
	if _, err := Exchange(context.Background(), card, apdu.Command{Ne: 1000}, ExchangeOptions{}); err == nil {
		t.Fatal("extended command sent without the option")
	}
	short := TransceiverFunc(func(context.Context, []byte) ([]byte, error) { return []byte{0x90}, nil })
	if _, err := Exchange(context.Background(), short, apdu.Command{}, ExchangeOptions{}); !errors.Is(err, apdu.ErrMalformed) {
		t.Fatalf("1-byte response: err = %v", err)
	}
}

func TestCounterAndRedact(t *testing.T) {
	c := &Counter{T: TransceiverFunc(func(context.Context, []byte) ([]byte, error) { return []byte{0x90, 0}, nil })}
	c.Transmit(context.Background(), []byte{0, 0x20, 0, 0x80, 4, '1', '2', '3', '4'})
	if n, s, r := c.Counts(); n != 1 || s != 9 || r != 2 {
		t.Fatalf("counts %d %d %d", n, s, r)
	}
	got := Redact([]byte{0, 0x20, 0, 0x80, 4, '1', '2', '3', '4'})
	if got != "0020008004********" {
		t.Fatalf("Redact = %s", got)
	}
	if Redact([]byte{0, 0xB0, 0, 0, 0}) != "00b0000000" {
		t.Fatal("Redact masked a READ BINARY")
	}
}

type lockCounter struct {
	Transceiver
	locks, unlocks int
}

func (l *lockCounter) Lock(context.Context) error { l.locks++; return nil }
func (l *lockCounter) Unlock() error              { l.unlocks++; return nil }

func TestWrappersForwardLock(t *testing.T) {
	inner := &lockCounter{Transceiver: TransceiverFunc(func(context.Context, []byte) ([]byte, error) { return []byte{0x90, 0}, nil })}
	for _, w := range []Locker{&Counter{T: inner}, &Tracer{T: inner}, &Counter{T: &Tracer{T: inner}}} {
		if err := w.Lock(context.Background()); err != nil {
			t.Fatal(err)
		}
		w.Unlock()
	}
	if inner.locks != 3 || inner.unlocks != 3 {
		t.Fatalf("locks %d unlocks %d", inner.locks, inner.unlocks)
	}
	// Without a lock underneath, locking is a no-op.
	if err := (&Counter{T: TransceiverFunc(nil)}).Lock(context.Background()); err != nil {
		t.Fatal(err)
	}
}
