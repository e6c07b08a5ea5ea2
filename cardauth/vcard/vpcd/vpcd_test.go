package vpcd

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/inkan-id/inkan/cardauth"
)

func init() {
	minBackoff = 5 * time.Millisecond
	maxBackoff = 20 * time.Millisecond
	reinsertDelay = 30 * time.Millisecond
}

// fakeCard records what vpcd asked of it.
type fakeCard struct {
	mu      sync.Mutex
	events  []string
	powered bool
	gone    bool // next Transmit reports the card gone
}

func (c *fakeCard) log(e string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, e)
}

func (c *fakeCard) Events() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.events...)
}

func (c *fakeCard) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, fmt.Sprintf("apdu % X", cmd))
	if c.gone {
		c.gone = false
		return nil, fmt.Errorf("tag lost: %w", cardauth.ErrCardGone)
	}
	if !c.powered {
		return nil, fmt.Errorf("off: %w", cardauth.ErrCardGone)
	}
	return append(append([]byte(nil), cmd[1:]...), 0x90, 0x00), nil // echo-ish
}
func (c *fakeCard) PowerOn()  { c.log("on"); c.mu.Lock(); c.powered = true; c.mu.Unlock() }
func (c *fakeCard) PowerOff() { c.log("off"); c.mu.Lock(); c.powered = false; c.mu.Unlock() }
func (c *fakeCard) Reset()    { c.log("reset") }
func (c *fakeCard) ATR() []byte {
	return []byte{0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14}
}

// fakeVPCD is the driver's side: it listens and talks to the card.
type fakeVPCD struct {
	t  *testing.T
	ln net.Listener
}

func newFakeVPCD(t *testing.T) *fakeVPCD {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return &fakeVPCD{t: t, ln: ln}
}

func (v *fakeVPCD) accept() net.Conn {
	v.t.Helper()
	v.ln.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
	c, err := v.ln.Accept()
	if err != nil {
		v.t.Fatalf("card did not connect: %v", err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	v.t.Cleanup(func() { c.Close() })
	return c
}

func send(t *testing.T, c net.Conn, payload []byte) {
	t.Helper()
	if err := WriteFrame(c, payload); err != nil {
		t.Fatal(err)
	}
}

func recv(t *testing.T, c net.Conn) []byte {
	t.Helper()
	b, err := ReadFrame(c)
	if err != nil {
		t.Fatalf("reading answer: %v", err)
	}
	return b
}

func startServe(t *testing.T, addr string, card Card) (cancel func(), done <-chan error) {
	ctx, cancelCtx := context.WithCancel(context.Background())
	ch := make(chan error, 1)
	go func() { ch <- Serve(ctx, addr, card, nil); close(ch) }()
	t.Cleanup(func() {
		cancelCtx()
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Error("Serve did not stop")
		}
	})
	return cancelCtx, ch
}

func TestSession(t *testing.T) {
	v := newFakeVPCD(t)
	card := &fakeCard{powered: true}
	startServe(t, v.ln.Addr().String(), card)
	c := v.accept()

	send(t, c, []byte{CtrlATR})
	if got := recv(t, c); !bytes.Equal(got, card.ATR()) {
		t.Fatalf("ATR % X", got)
	}
	send(t, c, []byte{CtrlPowerOn})
	send(t, c, []byte{CtrlReset})
	send(t, c, []byte{0x00, 0xA4, 0x04, 0x0C})
	if got := recv(t, c); !bytes.Equal(got, []byte{0xA4, 0x04, 0x0C, 0x90, 0x00}) {
		t.Fatalf("APDU answer % X", got)
	}
	send(t, c, []byte{CtrlPowerOff})
	send(t, c, []byte{CtrlATR}) // ATR still answers while unpowered: vpcd's presence check
	recv(t, c)
	want := []string{"off", "on", "reset", "apdu 00 A4 04 0C", "off"}
	if got := card.Events(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("card saw %v, want %v", got, want)
	}
}

func TestGarbageFrames(t *testing.T) {
	v := newFakeVPCD(t)
	card := &fakeCard{powered: true}
	startServe(t, v.ln.Addr().String(), card)
	c := v.accept()

	send(t, c, nil)          // empty frame: ignored
	send(t, c, []byte{0x07}) // unknown control code: ignored
	send(t, c, []byte{0xFF}) // ditto
	send(t, c, []byte{CtrlPowerOn})
	send(t, c, []byte{1, 2}) // too short to be an APDU: the card judges it
	if got := recv(t, c); !bytes.Equal(got, []byte{2, 0x90, 0x00}) {
		t.Fatalf("answer % X", got)
	}
	send(t, c, []byte{CtrlATR})
	if got := recv(t, c); len(got) != 9 {
		t.Fatalf("ATR after garbage: % X", got)
	}
	// A truncated frame and a close: the card reconnects.
	c.Write([]byte{0x00, 0x10, 0x01})
	c.Close()
	c2 := v.accept()
	send(t, c2, []byte{CtrlATR})
	if got := recv(t, c2); len(got) != 9 {
		t.Fatalf("ATR after reconnect: % X", got)
	}
}

func TestReconnect(t *testing.T) {
	v := newFakeVPCD(t)
	card := &fakeCard{}
	startServe(t, v.ln.Addr().String(), card)
	for i := range 3 {
		c := v.accept()
		send(t, c, []byte{CtrlPowerOn})
		send(t, c, []byte{0x00, 0x84, 0x00, 0x00, 0x08})
		if got := recv(t, c); len(got) != 6 {
			t.Fatalf("round %d: % X", i, got)
		}
		c.Close() // pcscd restarts
	}
}

func TestReconnectAfterServerDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nobody listens yet: Serve must keep trying
	card := &fakeCard{}
	startServe(t, addr, card)
	time.Sleep(50 * time.Millisecond)
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port reuse failed: %v", err)
	}
	v := &fakeVPCD{t: t, ln: ln}
	t.Cleanup(func() { ln.Close() })
	c := v.accept()
	send(t, c, []byte{CtrlATR})
	recv(t, c)
}

func TestCardGoneDropsConnection(t *testing.T) {
	v := newFakeVPCD(t)
	card := &fakeCard{}
	startServe(t, v.ln.Addr().String(), card)
	c := v.accept()
	send(t, c, []byte{CtrlPowerOn})
	card.mu.Lock()
	card.gone = true
	card.mu.Unlock()
	send(t, c, []byte{0x80, 0x2A, 0x00, 0x97, 0x01, 0x00, 0x00})
	// vpcd sees the card leave: the connection closes without an answer.
	if _, err := ReadFrame(c); !errors.Is(err, io.EOF) {
		t.Fatalf("after card gone: %v, want EOF", err)
	}
	start := time.Now()
	c2 := v.accept() // and it comes back
	if time.Since(start) < reinsertDelay/2 {
		t.Errorf("card came back after %v, want about %v", time.Since(start), reinsertDelay)
	}
	send(t, c2, []byte{CtrlPowerOn})
	send(t, c2, []byte{0x00, 0xA4, 0x00, 0x00})
	recv(t, c2)
}

func TestServeStopsOnCancel(t *testing.T) {
	v := newFakeVPCD(t)
	cancel, done := startServe(t, v.ln.Addr().String(), &fakeCard{})
	c := v.accept()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Serve = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve ignored cancel")
	}
	if _, err := ReadFrame(c); err == nil {
		t.Error("connection still open after cancel")
	}
}

func TestFrames(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteFrame(&buf, []byte{0xAA, 0xBB}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), []byte{0, 2, 0xAA, 0xBB}) {
		t.Fatalf("frame % X", buf.Bytes())
	}
	if err := WriteFrame(&buf, make([]byte, MaxFrame+1)); err == nil {
		t.Error("oversized frame accepted")
	}
	for _, in := range [][]byte{{}, {0}, {0, 3, 1, 2}} {
		if _, err := ReadFrame(bytes.NewReader(in)); err == nil {
			t.Errorf("ReadFrame(% X) accepted a truncated frame", in)
		}
	}
}

// FuzzReadFrame feeds arbitrary streams to the frame reader and the payload
// handler: no panic, and every frame read is exactly what its header said.
func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{0, 1, CtrlATR, 0, 1, CtrlPowerOn, 0, 4, 0, 0xA4, 0x00, 0x00})
	f.Add([]byte{0, 0})
	f.Add([]byte{0xFF, 0xFF, 1})
	f.Add([]byte{0, 1, 0x09, 0, 2, 0x01})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bytes.NewReader(in)
		card := &fakeCard{powered: true}
		for {
			before := r.Len()
			p, err := ReadFrame(r)
			if err != nil {
				return
			}
			hdr := int(binary.BigEndian.Uint16(in[len(in)-before:]))
			if len(p) != hdr || before-r.Len() != 2+hdr {
				t.Fatalf("frame of %d bytes, header said %d", len(p), hdr)
			}
			if _, _, err := handle(context.Background(), card, p, discard); err != nil &&
				!errors.Is(err, errCardGone) {
				t.Fatalf("handle: %v", err)
			}
		}
	})
}

var discard = slog.New(slog.DiscardHandler)
