package pcsctest

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/inkan-id/inkan/cardauth/vcard/vpcd"
)

// FakeCard is a minimal card on the vpcd wire protocol (2-byte big-endian
// length, then the payload; a 1-byte payload is a control code: 00 power
// off, 01 power on, 02 reset, 04 get ATR). It answers APDUs with Handle and
// records what it saw, to test the transport itself; card behaviour belongs
// to cardauth/vcard.
type FakeCard struct {
	ATR    []byte
	Handle func(cmd []byte) []byte // nil answers 9000

	mu     sync.Mutex
	cmds   [][]byte
	resets int
	conn   net.Conn
}

// Plug connects f to vpcd at addr and serves until ctx ends or Unplug.
// pcscd then sees a card in the reader.
func (f *FakeCard) Plug(ctx context.Context, addr string) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.conn = conn
	f.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	go func() {
		defer stop()
		_ = f.serve(conn)
	}()
	return nil
}

// Unplug closes the connection: pcscd sees the card removed.
func (f *FakeCard) Unplug() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.conn != nil {
		f.conn.Close()
		f.conn = nil
	}
}

// Commands returns the APDUs received so far.
func (f *FakeCard) Commands() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]byte(nil), f.cmds...)
}

// Resets returns how many reset control codes vpcd sent.
func (f *FakeCard) Resets() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.resets
}

func (f *FakeCard) serve(conn net.Conn) error {
	var hdr [2]byte
	for {
		// vpcd sends the length and the payload in two writes with Nagle
		// on; without quick ACKs each APDU waits ~40 ms for our delayed
		// ACK (measured: 45 ms → 0.4 ms per APDU).
		vpcd.QuickAck(conn)
		if _, err := io.ReadFull(conn, hdr[:]); err != nil {
			return err
		}
		vpcd.QuickAck(conn)
		msg := make([]byte, binary.BigEndian.Uint16(hdr[:]))
		if _, err := io.ReadFull(conn, msg); err != nil {
			return err
		}
		var out []byte
		if len(msg) == 1 {
			switch msg[0] {
			case 0x02:
				f.mu.Lock()
				f.resets++
				f.mu.Unlock()
				continue
			case 0x04:
				out = f.ATR
			default:
				continue // power on/off need no answer
			}
		} else {
			f.mu.Lock()
			f.cmds = append(f.cmds, append([]byte(nil), msg...))
			h := f.Handle
			f.mu.Unlock()
			out = []byte{0x90, 0x00}
			if h != nil {
				out = h(msg)
			}
		}
		if len(out) > 0xFFFF {
			return fmt.Errorf("response of %d bytes", len(out))
		}
		frame := binary.BigEndian.AppendUint16(nil, uint16(len(out)))
		_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := conn.Write(append(frame, out...)); err != nil {
			return err
		}
	}
}
