package vcard

import "time"

// Faults make the card misbehave in the ways real cards and NFC links do, to
// test client robustness (jpki.md §11.4). The zero value is a healthy card.
type Faults struct {
	// SignDelay makes COMPUTE DIGITAL SIGNATURE take this long. If the
	// caller's context ends first, Transmit returns the context's error.
	SignDelay time.Duration
	// LoseAfter makes the Nth APDU from now (1 = the next one) fail with
	// ErrCardGone without reaching the card, and resets the card: a tag lost
	// mid-read or mid-sign. It fires once; 0 disables it.
	LoseAfter int
	// RemoveBeforeSign powers the card off when a COMPUTE DIGITAL SIGNATURE
	// arrives while a PIN is verified, answering ErrCardGone: the card was
	// pulled between VERIFY and SIGN. It fires once; PowerOn reinserts.
	RemoveBeforeSign bool
	// ChainResponses splits responses longer than this many bytes: the first
	// part comes with 61xx and the rest through GET RESPONSE, at most this
	// many bytes per answer. 0 disables it.
	ChainResponses int
	// WrongLeOnce answers the first successful READ BINARY with 6Cxx (xx =
	// the byte count the card would have returned) instead of data.
	WrongLeOnce bool
}

// SetFaults replaces the card's faults and rearms the one-shot ones.
func (c *Card) SetFaults(f Faults) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.faults = f
	c.loseIn = max(f.LoseAfter, 0)
	c.wrongLe = f.WrongLeOnce
	c.removeOn = f.RemoveBeforeSign
}
