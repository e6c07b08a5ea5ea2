package jpki

import (
	"context"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/inkan-id/inkan/cardauth"
)

func TestDERLength(t *testing.T) {
	for _, tc := range []struct {
		in       []byte
		total    int
		needMore bool
		err      bool
	}{
		{[]byte{0x30, 0x82, 0x06, 0x2B}, 1583, false, false},
		{[]byte{0x30, 0x05}, 7, false, false},
		{[]byte{0x30, 0x81, 0x80}, 131, false, false},
		{[]byte{0x30, 0x83, 0x01, 0x00, 0x00}, 65541, false, false},
		{[]byte{0x1F, 0x81, 0x01, 0x02}, 6, false, false}, // high tag number
		{nil, 0, true, false},
		{[]byte{0x30}, 0, true, false},
		{[]byte{0x30, 0x82, 0x06}, 0, true, false},
		{[]byte{0x1F, 0x81}, 0, true, false},
		{[]byte{0x30, 0x80}, 0, false, true},                         // indefinite
		{[]byte{0x30, 0x85, 1, 2, 3, 4, 5}, 0, false, true},          // 5 length bytes
		{[]byte{0x30, 0x81, 0x05}, 0, false, true},                   // non-minimal
		{[]byte{0x30, 0x82, 0x00, 0xFF}, 0, false, true},             // non-minimal
		{[]byte{0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xFF}, 0, false, true}, // absurd
		{[]byte{0x1F, 0x81, 0x81, 0x81, 0x81, 0x81, 0x01}, 0, false, true},
	} {
		total, needMore, err := DERLength(tc.in)
		if total != tc.total || needMore != tc.needMore || (err != nil) != tc.err {
			t.Errorf("DERLength(%x) = %d, %v, %v", tc.in, total, needMore, err)
		}
	}
}

func FuzzDERLength(f *testing.F) {
	f.Add([]byte{0x30, 0x82, 0x06, 0x2B})
	f.Add([]byte{0x1F, 0x81, 0x01, 0x02})
	f.Add([]byte{0x30, 0x84, 0x00, 0x00, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		total, needMore, err := DERLength(b)
		if err == nil && !needMore && (total < 2 || total > 1<<30+8) {
			t.Fatalf("DERLength(%x) = %d", b, total)
		}
	})
}

// FuzzReadCertificate feeds arbitrary card answers to the certificate
// reader: it must return a certificate exactly as long as its DER header
// says, or an error, and never loop or panic.
func FuzzReadCertificate(f *testing.F) {
	f.Add(append(fakeCert(300), 0x90, 0x00), []byte{0x90, 0x00})
	f.Add([]byte{0x30, 0x82, 0x01, 0x00, 0x90, 0x00}, []byte{0x6B, 0x00})
	f.Add([]byte{0x6A, 0x86}, []byte{0x90, 0x00})
	f.Add([]byte{0x30, 0x82, 0x02, 0x00, 0x61, 0x10}, []byte{0x01, 0x61, 0x00})
	f.Fuzz(func(t *testing.T, first, rest []byte) {
		calls := 0
		card := cardauth.TransceiverFunc(func(_ context.Context, cmd []byte) ([]byte, error) {
			calls++
			if calls > 200 {
				return nil, errors.New("too many APDUs")
			}
			if calls == 1 {
				return first, nil
			}
			// Answer every later read with rest, tagged by the offset so
			// chunks differ.
			out := append([]byte{}, rest...)
			if len(cmd) >= 4 && len(out) > 2 {
				binary.BigEndian.PutUint16(out, uint16(cmd[2])<<8|uint16(cmd[3]))
			}
			return out, nil
		})
		b, err := New(card, nil).ReadAuthCertificate(context.Background())
		if err != nil {
			return
		}
		total, _, derr := DERLength(b)
		if derr != nil || total != len(b) {
			t.Fatalf("returned %d bytes whose header says %d (%v)", len(b), total, derr)
		}
	})
}
