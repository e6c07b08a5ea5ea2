package vcard

import (
	"context"
	"testing"

	"github.com/inkan-id/inkan/cardauth/apdu"
)

// script packs APDUs as the fuzz input format: each is prefixed by its
// length byte.
func script(cmds ...string) []byte {
	var b []byte
	for _, c := range cmds {
		x := h(c)
		b = append(b, byte(len(x)))
		b = append(b, x...)
	}
	return b
}

// splitScript undoes script; a length that overruns takes the rest.
func splitScript(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		n := int(b[0])
		b = b[1:]
		n = min(n, len(b))
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

// FuzzTransmit runs arbitrary APDU sequences against a fresh card. The card
// must never panic, always answer with a status word, and change a PIN retry
// counter only in answer to a VERIFY that carried data.
func FuzzTransmit(f *testing.F) {
	f.Add(script(cSelectAP, cSelAuthPIN, cAuthBad, cAuthOK, cSelAuthKey, cSign80))
	f.Add(script(cSelectAP, cSelSignPIN, cQuery, cSignBad, cSignOK, "00 B0 81 00 00"))
	f.Add(script(cSelectAP, "00 20 00 98 04 31 32 33 34", "00 24 01 98 04 35 36 37 38", cSign97))
	f.Add(script(cSelectAP, "00 B0 8A 00 04", "00 B0 00 04 00", "00 B0 86 00 20"))
	f.Add(script("00 A4 00 00", "0C B0 00 00 04", "01 A4 04 0C", "00 A4 04 0C 0A D3 92"))
	f.Add(script("00 84 00 00 00", "00 C0 00 00 10", "00 CA 5F 51 00", "80 FC 00 00"))
	f.Add([]byte{})

	tmpl := testFile(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		c := New(tmpl)
		for _, cmd := range splitScript(in) {
			before := c.File()
			resp, err := c.Transmit(context.Background(), cmd)
			if err != nil {
				t.Fatalf("Transmit(% X): %v", cmd, err)
			}
			r, err := apdu.ParseResponse(resp)
			if err != nil {
				t.Fatalf("Transmit(% X) = % X: %v", cmd, resp, err)
			}
			after := c.File()
			counterChanged := before.Auth.TriesLeft != after.Auth.TriesLeft ||
				before.Sign.TriesLeft != after.Sign.TriesLeft
			pinChanged := before.Auth.PIN != after.Auth.PIN || before.Sign.Password != after.Sign.Password
			p, perr := apdu.ParseCommand(cmd)
			isVerify := perr == nil && p.CLA == 0x00 && p.INS == 0x20 && len(p.Data) > 0
			isChange := perr == nil && p.CLA == 0x00 && p.INS == 0x24 && r.SW == apdu.SWOK
			if counterChanged && !isVerify {
				t.Fatalf("% X changed a counter (%d/%d → %d/%d) but is not a VERIFY with data",
					cmd, before.Auth.TriesLeft, before.Sign.TriesLeft, after.Auth.TriesLeft, after.Sign.TriesLeft)
			}
			if pinChanged && !isChange {
				t.Fatalf("% X changed a PIN without a successful CHANGE REFERENCE DATA", cmd)
			}
			if isVerify && counterChanged && after.Auth.TriesLeft > before.Auth.TriesLeft && r.SW != apdu.SWOK {
				t.Fatalf("% X raised the auth counter without success (%v)", cmd, r.SW)
			}
		}
	})
}
