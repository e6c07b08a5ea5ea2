package vcard

import (
	"bytes"

	"github.com/inkan-id/inkan/cardauth/apdu"
)

// selectFile implements SELECT (jpki.md §2.1, §11.3).
func (c *Card) selectFile(cmd apdu.Command) apdu.Response {
	switch cmd.P1 {
	case 0x04: // by DF name
		// Only P2=0C (no FCI) is known to work; an FCI-returning select is
		// not modelled [uncertain]. A stray Le contradicts P2=0C: 6700
		// [uncertain, chosen strict].
		if cmd.P2 != 0x0C {
			return sw(apdu.SWIncorrectP1P2)
		}
		if len(cmd.Data) == 0 || cmd.Ne != 0 {
			return sw(apdu.SWWrongLength)
		}
		if !bytes.Equal(cmd.Data, JPKIAID) {
			// A failed selection leaves the current state as it was.
			return sw(apdu.SWFileNotFound)
		}
		// Selecting the AP, even again, starts a new AP session with no
		// PIN verified: OpenSC's logout relies on this.
		c.s = session{apSelected: true}
		return sw(apdu.SWOK)
	case 0x02: // EF under the current DF
		if cmd.P2 != 0x0C {
			return sw(apdu.SWIncorrectP1P2)
		}
		if len(cmd.Data) != 2 || cmd.Ne != 0 {
			return sw(apdu.SWWrongLength)
		}
		if !c.s.apSelected {
			return sw(apdu.SWFileNotFound) // no DF selected [uncertain]
		}
		id := uint16(cmd.Data[0])<<8 | uint16(cmd.Data[1])
		if _, ok := c.fs[id]; !ok {
			return sw(apdu.SWFileNotFound)
		}
		c.s.ef = id
		return sw(apdu.SWOK)
	case 0x00: // MF, or by file ID
		// Straight after reset: 6A86. With the AP selected: a silent no-op
		// (jpki.md §2.1, single source).
		if !c.s.apSelected {
			return sw(apdu.SWIncorrectP1P2)
		}
		if len(cmd.Data) == 0 {
			return sw(apdu.SWOK)
		}
		// Selecting 3F00 (or anything) by file ID with P1=00 is not found.
		return sw(apdu.SWFileNotFound)
	}
	// P1=09 (by path) and everything else (OpenSC PR #801).
	return sw(apdu.SWIncorrectP1P2)
}
