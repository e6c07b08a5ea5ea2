package jpki

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

// step is one expected exchange: the command the client must send (hex) and
// the card's answer (hex).
type step struct{ cmd, resp string }

// script is a card that answers a fixed dialogue and fails the test on any
// command it did not expect, so tests pin down the exact APDUs sent.
type script struct {
	t     *testing.T
	steps []step
	n     int
}

func (s *script) Transmit(_ context.Context, cmd []byte) ([]byte, error) {
	s.t.Helper()
	if s.n >= len(s.steps) {
		s.t.Fatalf("unexpected APDU %x after the script ended", cmd)
		return nil, fmt.Errorf("script ended")
	}
	st := s.steps[s.n]
	s.n++
	if got := hex.EncodeToString(cmd); got != strings.ReplaceAll(st.cmd, " ", "") {
		s.t.Fatalf("APDU %d = %s, want %s", s.n, got, st.cmd)
	}
	b, err := hex.DecodeString(strings.ReplaceAll(st.resp, " ", ""))
	if err != nil {
		s.t.Fatal(err)
	}
	return b, nil
}

func (s *script) done() {
	s.t.Helper()
	if s.n != len(s.steps) {
		s.t.Fatalf("client sent %d APDUs, script has %d", s.n, len(s.steps))
	}
}

func run(t *testing.T, steps ...step) (*Client, *script) {
	s := &script{t: t, steps: steps}
	return New(s, nil), s
}

// Common dialogue pieces.
const (
	selectAP      = "00a4040c0ad392f000260100000001"
	selectAuthPIN = "00a4020c020018"
	selectSignPIN = "00a4020c02001b"
	counterQuery  = "00200080"
	verify1234    = "002000800431323334"
)

// fakeCert returns a DER-shaped blob of n content bytes with a 30 82 header.
func fakeCert(n int) []byte {
	b := []byte{0x30, 0x82, byte(n >> 8), byte(n)}
	for i := range n {
		b = append(b, byte(i))
	}
	return b
}

// readSteps returns the READ BINARY dialogue for cert (+filler): the first
// chunk by SFI of ef, the rest by offset.
func readSteps(ef byte, cert []byte, filler int) []step {
	file := append(append([]byte{}, cert...), make([]byte, filler)...)
	for i := len(cert); i < len(file); i++ {
		file[i] = 0xFF
	}
	var st []step
	first := min(256, len(file))
	st = append(st, step{fmt.Sprintf("00b0%02x0000", 0x80|ef), hex.EncodeToString(file[:first]) + "9000"})
	for off := 256; off < len(cert); off += 256 {
		ne := min(256, len(cert)-off)
		end := min(off+ne, len(file))
		st = append(st, step{fmt.Sprintf("00b0%04x%02x", off, byte(ne)), hex.EncodeToString(file[off:end]) + "9000"})
	}
	return st
}
