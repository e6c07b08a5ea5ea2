package vcard

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"time"

	"github.com/inkan-id/inkan/cardauth/apdu"
)

// computeSignature implements the JPKI COMPUTE DIGITAL SIGNATURE
// 80 2A 00 P2 Lc data 00 (jpki.md §2.4, §11.3).
func (c *Card) computeSignature(ctx context.Context, cmd apdu.Command) (apdu.Response, error) {
	// Only P1=00 (pad the given bytes) is modelled; 01–05 exist on real
	// cards (single source) and answer 6A86 here, like unknown schemes.
	if cmd.P1 != 0x00 {
		return sw(apdu.SWIncorrectP1P2), nil
	}
	var id uint16
	switch {
	case cmd.P2 == 0x80:
		if !c.s.apSelected || c.s.ef == 0 || c.fs[c.s.ef].kind != efKey {
			return sw(apdu.SWNoCurrentEF), nil // [uncertain]
		}
		id = c.s.ef
	case cmd.P2 > 0x80 && cmd.P2 <= 0x9F:
		id = uint16(cmd.P2 & 0x1F)
		if e, ok := c.fs[id]; !c.s.apSelected || !ok || e.kind != efKey {
			return sw(apdu.SWKeyNotSet), nil // [uncertain]
		}
	default:
		return sw(apdu.SWIncorrectP1P2), nil
	}
	e := c.fs[id]
	if !c.verified(e.pin) {
		return sw(apdu.SWSecurityStatus), nil
	}
	if c.removeOn {
		// Pulled between VERIFY and SIGN: the card loses power and with it
		// every security state.
		c.removeOn = false
		c.powered = false
		c.s = session{}
		c.stats.Lost++
		return apdu.Response{}, &GoneError{Reason: "card removed before signing (RemoveBeforeSign fault)"}
	}
	key := e.key
	if key == nil {
		return sw(apdu.SWKeyNotSet), nil
	}
	k := key.Size()
	if len(cmd.Data) < 1 || len(cmd.Data) > k-11 {
		return sw(apdu.SWWrongLength), nil
	}
	// The signature is k bytes. No Le asks for nothing [uncertain: 6700];
	// a short Le gets 6Cxx so a client can resend before any key use.
	if cmd.Ne == 0 {
		return sw(apdu.SWWrongLength), nil
	}
	if cmd.Ne < k {
		return sw(0x6C00 | apdu.StatusWord(k&0xFF)), nil
	}
	if d := c.faults.SignDelay; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return apdu.Response{}, ctx.Err()
		case <-t.C:
		}
	}
	// Hash 0 makes SignPKCS1v15 apply type-1 padding to the bytes as given
	// and do the raw private-key operation, which is what the card does.
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.Hash(0), cmd.Data)
	if err != nil {
		// Only a broken key gets here (lengths were checked above).
		return sw(apdu.SWKeyNotSet), nil
	}
	c.stats.Signatures++
	return apdu.Response{Data: sig, SW: apdu.SWOK}, nil
}
