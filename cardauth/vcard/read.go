package vcard

import (
	"github.com/inkan-id/inkan/cardauth/apdu"
)

// readBinary implements READ BINARY in the offset and SFI forms
// (jpki.md §2.2, §11.3).
func (c *Card) readBinary(cmd apdu.Command) apdu.Response {
	// READ BINARY (B0) carries no data; a missing Le asks for nothing, which
	// the card is assumed to reject [uncertain].
	if len(cmd.Data) != 0 || cmd.Ne == 0 {
		return sw(apdu.SWWrongLength)
	}
	var id uint16
	var off int
	if cmd.P1&0x80 != 0 {
		// SFI form: P1 = 100 sssss, P2 = 8-bit offset. It selects the EF.
		sfi := cmd.P1 & 0x1F
		if cmd.P1&0x60 != 0 || sfi == 0 {
			return sw(apdu.SWIncorrectP1P2)
		}
		if !c.s.apSelected {
			return sw(apdu.SWFileNotFound)
		}
		// Every JPKI EF's SFI is the low byte of its ID (jpki.md §1.2).
		id = uint16(sfi)
		if _, ok := c.fs[id]; !ok {
			return sw(apdu.SWFileNotFound)
		}
		c.s.ef = id
		off = int(cmd.P2)
	} else {
		if !c.s.apSelected || c.s.ef == 0 {
			return sw(apdu.SWNoCurrentEF)
		}
		id = c.s.ef
		off = int(cmd.P1)<<8 | int(cmd.P2)
	}
	e := c.fs[id]
	if e.kind != efBinary {
		// Key and PIN EFs are internal. Real answer 6981 or 6982
		// [uncertain, jpki.md §11.2]; 6981 chosen.
		return sw(apdu.SWIncompatibleFile)
	}
	if !c.verified(e.readPIN) {
		return sw(apdu.SWSecurityStatus)
	}
	if off >= len(e.data) {
		return sw(apdu.SWOffsetBeyondEF)
	}
	n := min(cmd.Ne, len(e.data)-off)
	if c.wrongLe {
		c.wrongLe = false
		return sw(0x6C00 | apdu.StatusWord(n&0xFF))
	}
	// A short last chunk comes back with 9000, not 6282 (jpki.md §2.2).
	return apdu.Response{Data: append([]byte(nil), e.data[off:off+n]...), SW: apdu.SWOK}
}

// verified reports whether the PIN p has been verified in this AP session.
func (c *Card) verified(p pinRef) bool {
	switch p {
	case pinAuth:
		return c.s.authOK
	case pinSign:
		return c.s.signOK
	}
	return true
}
