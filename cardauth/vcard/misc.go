package vcard

import (
	"crypto/rand"

	"github.com/inkan-id/inkan/cardauth/apdu"
)

// getChallenge implements GET CHALLENGE 00 84 00 00 Le: 1–256 random bytes
// (jpki.md §2.5, single source).
func (c *Card) getChallenge(cmd apdu.Command) apdu.Response {
	if cmd.P1 != 0 || cmd.P2 != 0 {
		return sw(apdu.SWIncorrectP1P2)
	}
	if len(cmd.Data) != 0 || cmd.Ne == 0 {
		return sw(apdu.SWWrongLength)
	}
	if cmd.Extended {
		return sw(apdu.SWConditionsNotSatisfied) // as observed on the card
	}
	b := make([]byte, cmd.Ne)
	rand.Read(b)
	return apdu.Response{Data: b, SW: apdu.SWOK}
}

// getResponse implements GET RESPONSE 00 C0 00 00 Le for answers the
// ChainResponses fault split. Without waiting data it answers 6985
// [uncertain: the card's answer is unknown].
func (c *Card) getResponse(cmd apdu.Command, pending []byte) apdu.Response {
	if cmd.P1 != 0 || cmd.P2 != 0 {
		return sw(apdu.SWIncorrectP1P2)
	}
	if len(cmd.Data) != 0 || cmd.Ne == 0 {
		return sw(apdu.SWWrongLength)
	}
	if len(pending) == 0 {
		return sw(apdu.SWConditionsNotSatisfied)
	}
	n := min(cmd.Ne, len(pending))
	if m := c.faults.ChainResponses; m > 0 {
		n = min(n, m)
	}
	out := append([]byte(nil), pending[:n]...)
	if rest := pending[n:]; len(rest) > 0 {
		c.s.pending = rest
		return apdu.Response{Data: out, SW: moreData(len(rest))}
	}
	return apdu.Response{Data: out, SW: apdu.SWOK}
}

// getData implements GET DATA 00 CA for tag 5F51 (the contact ATR without
// TS), which the card answers only with no application selected
// (jpki.md §2.5, single source). Other answers are [uncertain].
func (c *Card) getData(cmd apdu.Command) apdu.Response {
	if len(cmd.Data) != 0 || cmd.Ne == 0 {
		return sw(apdu.SWWrongLength)
	}
	if c.s.apSelected {
		return sw(apdu.SWConditionsNotSatisfied)
	}
	if cmd.P1 != 0x5F || cmd.P2 != 0x51 {
		return sw(apdu.SWKeyNotSet)
	}
	atr := c.atr[1:]
	return apdu.Response{Data: append([]byte(nil), atr[:min(len(atr), cmd.Ne)]...), SW: apdu.SWOK}
}

// lastCommand implements 80 FC 00 00, the iPhone token's "last command"
// marker: 9000 there; physical cards answer 6700 (jpki.md §2.5, single
// source). The Android token is assumed to answer like the card.
func (c *Card) lastCommand(cmd apdu.Command) apdu.Response {
	if c.f.Profile != ProfileIPhone {
		return sw(apdu.SWWrongLength)
	}
	if cmd.P1 != 0 || cmd.P2 != 0 {
		return sw(apdu.SWIncorrectP1P2)
	}
	if len(cmd.Data) != 0 || cmd.Ne != 0 {
		return sw(apdu.SWWrongLength)
	}
	return sw(apdu.SWOK)
}
