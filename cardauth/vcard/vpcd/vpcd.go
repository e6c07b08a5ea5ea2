// Package vpcd plugs a card into pcscd through the vsmartcard "vpcd" reader
// driver (Debian package vsmartcard-vpcd), so PC/SC applications see it as a
// card in the reader "Virtual PCD 00".
//
// The driver listens on TCP (127.0.0.1:35963 for the first reader) and the
// card connects to it as a client. Each message either way is a 2-byte
// big-endian length and a payload. A 1-byte payload from the driver is a
// control code (power off, power on, reset, send ATR); any longer payload is
// a command APDU, answered by the response APDU. The driver closes the
// connection, and pcscd reports the card removed, whenever an answer is
// missing or empty.
package vpcd

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/inkan-id/inkan/cardauth"
)

// DefaultAddr is where vpcd listens for the card of its first reader.
const DefaultAddr = "127.0.0.1:35963"

// Control codes, the 1-byte payloads vpcd sends.
const (
	CtrlPowerOff byte = 0x00
	CtrlPowerOn  byte = 0x01
	CtrlReset    byte = 0x02
	CtrlATR      byte = 0x04
)

// MaxFrame is the largest payload a 2-byte length can announce.
const MaxFrame = 0xFFFF

// Card is what Serve needs from a card; *vcard.Card implements it.
type Card interface {
	Transmit(ctx context.Context, command []byte) ([]byte, error)
	PowerOn()
	PowerOff()
	Reset()
	ATR() []byte
}

// Backoff and reinsertion timing; variables so tests can shorten them.
var (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
	// reinsertDelay keeps the card away after it reported itself gone, so
	// pcscd's presence polling sees a removal before the card returns.
	reinsertDelay = 1500 * time.Millisecond
	dialTimeout   = 5 * time.Second
)

// errCardGone ends a connection because the card left the reader.
var errCardGone = errors.New("vpcd: card gone")

// Serve connects card to the vpcd driver at addr and answers it until ctx is
// done, reconnecting with backoff whenever the connection drops (pcscd
// restarting, or the card simulating removal). It returns ctx's error. A
// nil log discards messages.
func Serve(ctx context.Context, addr string, card Card, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	backoff := minBackoff
	d := net.Dialer{Timeout: dialTimeout}
	for {
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			log.Debug("vpcd not reachable", "addr", addr, "err", err, "retry_in", backoff)
			if !sleep(ctx, backoff) {
				return ctx.Err()
			}
			backoff = min(backoff*2, maxBackoff)
			continue
		}
		backoff = minBackoff
		log.Info("card inserted into vpcd", "addr", addr)
		err = serveConn(ctx, conn, card, log)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait := minBackoff
		if errors.Is(err, errCardGone) {
			wait = reinsertDelay
			log.Info("card removed", "reason", err, "reinsert_in", wait)
		} else {
			log.Warn("vpcd connection lost", "err", err)
		}
		if !sleep(ctx, wait) {
			return ctx.Err()
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// serveConn answers one connection until it fails. The card is unpowered
// while out of the reader: vpcd powers it when pcscd sees it inserted.
func serveConn(ctx context.Context, conn net.Conn, card Card, log *slog.Logger) error {
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()
	card.PowerOff()
	defer card.PowerOff()
	r := quickAckReader{conn}
	for {
		payload, err := ReadFrame(r)
		if err != nil {
			return err
		}
		reply, answer, err := handle(ctx, card, payload, log)
		if err != nil {
			return err
		}
		if !answer {
			continue
		}
		if err := WriteFrame(conn, reply); err != nil {
			return err
		}
	}
}

// handle processes one payload from vpcd and says whether to answer.
func handle(ctx context.Context, card Card, payload []byte, log *slog.Logger) (reply []byte, answer bool, err error) {
	switch len(payload) {
	case 0:
		log.Warn("vpcd sent an empty frame; ignored")
		return nil, false, nil
	case 1:
		switch payload[0] {
		case CtrlPowerOff:
			card.PowerOff()
		case CtrlPowerOn:
			card.PowerOn()
		case CtrlReset:
			card.Reset()
		case CtrlATR:
			return card.ATR(), true, nil
		default:
			log.Warn("unknown vpcd control code; ignored", "code", payload[0])
		}
		return nil, false, nil
	}
	resp, err := card.Transmit(ctx, payload)
	switch {
	case err == nil:
	case errors.Is(err, cardauth.ErrCardGone):
		// Dropping the connection is how a card leaves a vpcd reader.
		return nil, false, fmt.Errorf("%w: %v", errCardGone, err)
	case ctx.Err() != nil:
		return nil, false, ctx.Err()
	default:
		// The card could not answer (e.g. its file could not be saved).
		// Saying nothing makes vpcd report a transmission error.
		log.Error("card failed", "err", err)
		return nil, false, fmt.Errorf("%w: %v", errCardGone, err)
	}
	if len(resp) > MaxFrame {
		log.Error("response too long for a vpcd frame", "len", len(resp))
		return []byte{0x6F, 0x00}, true, nil
	}
	return resp, true, nil
}

// ReadFrame reads one length-prefixed vpcd frame.
func ReadFrame(r io.Reader) ([]byte, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	b := make([]byte, binary.BigEndian.Uint16(hdr[:]))
	if _, err := io.ReadFull(r, b); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return b, nil
}

// WriteFrame writes payload as one vpcd frame, in a single write.
func WriteFrame(w io.Writer, payload []byte) error {
	if len(payload) > MaxFrame {
		return fmt.Errorf("vpcd: frame of %d bytes exceeds %d", len(payload), MaxFrame)
	}
	b := make([]byte, 2, 2+len(payload))
	binary.BigEndian.PutUint16(b, uint16(len(payload)))
	_, err := w.Write(append(b, payload...))
	return err
}

// quickAckReader sets TCP_QUICKACK before every read (see QuickAck).
type quickAckReader struct{ conn net.Conn }

func (q quickAckReader) Read(b []byte) (int, error) {
	QuickAck(q.conn)
	return q.conn.Read(b)
}
