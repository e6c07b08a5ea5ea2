package vcard

import (
	"crypto/subtle"

	"github.com/inkan-id/inkan/cardauth/apdu"
)

// pinSlot points at one PIN's secret and counter inside the card file.
type pinSlot struct {
	secret *string
	tries  *int
	max    int
}

func (c *Card) slot(p pinRef) pinSlot {
	if p == pinSign {
		return pinSlot{&c.f.Sign.Password, &c.f.Sign.TriesLeft, MaxSignTries}
	}
	return pinSlot{&c.f.Auth.PIN, &c.f.Auth.TriesLeft, MaxAuthTries}
}

func (c *Card) setVerified(p pinRef, ok bool) {
	if p == pinSign {
		c.s.signOK = ok
	} else {
		c.s.authOK = ok
	}
}

// resolvePIN finds the PIN a VERIFY or CHANGE REFERENCE DATA P2 names:
// 80 = the current EF, which must be a PIN EF; 80|SFI = that PIN EF.
func (c *Card) resolvePIN(p2 byte) (pinRef, apdu.StatusWord) {
	var id uint16
	switch {
	case p2 == 0x80:
		if !c.s.apSelected || c.s.ef == 0 || c.fs[c.s.ef].kind != efPIN {
			return 0, apdu.SWNoCurrentEF // [uncertain, jpki.md §11.3]
		}
		id = c.s.ef
	case p2 > 0x80 && p2 <= 0x9F:
		id = uint16(p2 & 0x1F)
	default:
		return 0, apdu.SWIncorrectP1P2
	}
	e, ok := c.fs[id]
	if !c.s.apSelected || !ok || e.kind != efPIN {
		// No such reference data in the current DF [uncertain].
		return 0, apdu.SWKeyNotSet
	}
	return e.pin, 0
}

// save writes the card file when the card has one. Callers change c.f first
// and undo or fail closed on error.
func (c *Card) save() error {
	if c.path == "" {
		return nil
	}
	if err := WriteFile(c.path, c.f); err != nil {
		return &PersistError{Path: c.path, Err: err}
	}
	return nil
}

// verify implements VERIFY (jpki.md §2.3, §11.3).
func (c *Card) verify(cmd apdu.Command) (apdu.Response, error) {
	if cmd.P1 != 0x00 {
		return sw(apdu.SWIncorrectP1P2), nil
	}
	ref, s := c.resolvePIN(cmd.P2)
	if s != 0 {
		return sw(s), nil
	}
	if cmd.Ne != 0 {
		return sw(apdu.SWWrongLength), nil // VERIFY returns no data
	}
	p := c.slot(ref)
	if len(cmd.Data) == 0 {
		// Counter query. A blocked PIN answers 63C0 here, the same as the
		// attempt that blocked it; 6984 is for attempts with data.
		if c.f.EmptyVerifyOK && c.verified(ref) {
			return sw(apdu.SWOK), nil
		}
		return sw(apdu.RetriesSW(*p.tries)), nil
	}
	c.stats.Verifies++
	if *p.tries == 0 {
		return sw(apdu.SWBlocked), nil // even for the correct PIN
	}
	// A PIN of the wrong length is compared like any other and costs a try
	// [uncertain, jpki.md §3: "a malformed PIN probably still costs a try"].
	if subtle.ConstantTimeCompare(cmd.Data, []byte(*p.secret)) == 1 {
		if old := *p.tries; old != p.max {
			*p.tries = p.max
			if err := c.save(); err != nil {
				*p.tries = old // nothing granted, nothing reset
				return apdu.Response{}, err
			}
		}
		c.setVerified(ref, true)
		return sw(apdu.SWOK), nil
	}
	// A failed comparison also drops an earlier success [uncertain; ISO
	// allows either, the stricter one is chosen].
	c.setVerified(ref, false)
	*p.tries--
	if err := c.save(); err != nil {
		// The decrement stays in memory: fail closed.
		return apdu.Response{}, err
	}
	return sw(apdu.RetriesSW(*p.tries)), nil
}

// changeReferenceData implements CHANGE REFERENCE DATA with P1=01 (new PIN
// only, after VERIFY; jpki.md §2.3).
func (c *Card) changeReferenceData(cmd apdu.Command) (apdu.Response, error) {
	if cmd.P1 != 0x01 {
		// P1=00 (old ‖ new) is not known to be supported [uncertain].
		return sw(apdu.SWIncorrectP1P2), nil
	}
	ref, s := c.resolvePIN(cmd.P2)
	if s != 0 {
		return sw(s), nil
	}
	if len(cmd.Data) == 0 || cmd.Ne != 0 {
		return sw(apdu.SWWrongLength), nil
	}
	p := c.slot(ref)
	if *p.tries == 0 {
		return sw(apdu.SWBlocked), nil
	}
	if !c.verified(ref) {
		return sw(apdu.SWSecurityStatus), nil
	}
	// The card is assumed to enforce the same format rules the issuing
	// counter does [uncertain]: length → 6700, characters → 6A80.
	if ref == pinAuth {
		if len(cmd.Data) != 4 {
			return sw(apdu.SWWrongLength), nil
		}
		if !authPINOK(cmd.Data) {
			return sw(apdu.SWWrongData), nil
		}
	} else {
		if len(cmd.Data) < 6 || len(cmd.Data) > 16 {
			return sw(apdu.SWWrongLength), nil
		}
		if !signPasswordOK(cmd.Data) {
			return sw(apdu.SWWrongData), nil
		}
	}
	old := *p.secret
	*p.secret = string(cmd.Data)
	if err := c.save(); err != nil {
		*p.secret = old
		return apdu.Response{}, err
	}
	return sw(apdu.SWOK), nil
}
