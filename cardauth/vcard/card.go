package vcard

import (
	"context"
	"crypto/rsa"
	"sync"

	"github.com/inkan-id/inkan/cardauth/apdu"
)

// Card is a virtual My Number Card. It implements cardauth.Transceiver and is
// safe for concurrent use; like a real card it processes one APDU at a time.
//
// A new card is powered on and freshly reset, as if it had just been inserted
// into a reader.
type Card struct {
	mu sync.Mutex

	f    *File  // owned; counters and PINs change in place
	path string // card file; "" for an in-memory card
	fs   map[uint16]*ef
	atr  []byte

	powered bool
	s       session

	faults   Faults
	loseIn   int  // APDUs until the LoseAfter fault fires; 0 = off
	wrongLe  bool // WrongLeOnce still pending
	removeOn bool // RemoveBeforeSign still pending

	stats Stats
}

// session is the volatile state a reset or power cycle clears.
type session struct {
	apSelected bool   // JPKI AP is the current DF; false = ISD
	ef         uint16 // current EF; 0 = none
	authOK     bool   // auth PIN verified in this AP session
	signOK     bool   // signature password verified in this AP session
	pending    []byte // response bytes waiting for GET RESPONSE
}

// Stats counts what crossed the card.
type Stats struct {
	APDUs      int // commands received while powered, including lost ones
	Verifies   int // VERIFY commands with data (each may cost a try)
	Signatures int // successful COMPUTE DIGITAL SIGNATUREs
	Lost       int // commands answered with ErrCardGone by a fault
}

// New makes an in-memory card from f; counter changes are not persisted.
// New copies f. It does not validate f (call f.Validate first): a private key
// that does not parse makes signing answer 6A88 (key not set), like a card
// whose key was never generated.
func New(f *File) *Card {
	f = f.Clone()
	c := &Card{f: f, fs: buildFS(f), atr: DefaultATR, powered: true}
	if len(f.ATR) > 0 {
		c.atr = f.ATR
	}
	c.s = session{}
	return c
}

// Load opens a card file. Every later change of a PIN counter or PIN is
// written back to path before the card answers.
func Load(path string) (*Card, error) {
	f, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	c := New(f)
	c.path = path
	return c, nil
}

// File returns a copy of the card's current file, with up-to-date counters.
func (c *Card) File() *File {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.f.Clone()
}

// ATR returns the card's answer-to-reset.
func (c *Card) ATR() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.atr...)
}

// PowerOn powers the card and resets it. Powering an already powered card
// does nothing, as a reader would not cycle it.
func (c *Card) PowerOn() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.powered {
		c.powered = true
		c.s = session{}
	}
}

// PowerOff removes power: all volatile state is lost and Transmit fails with
// ErrCardGone until PowerOn.
func (c *Card) PowerOff() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.powered = false
	c.s = session{}
}

// Reset is a warm reset: selection, PIN security states and pending response
// data are cleared, and the issuer security domain is current again.
func (c *Card) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s = session{}
}

// Powered reports whether the card has power.
func (c *Card) Powered() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.powered
}

// Stats returns the counts since the card was made.
func (c *Card) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// Transmit processes one command APDU and returns the response APDU
// (data ‖ SW1 SW2). Every malformed command gets a status word, never a panic.
// Errors mean no response: the card is powered off or a fault removed it
// (wrapping cardauth.ErrCardGone), ctx ended during a slow signature, or the
// card file could not be saved (*PersistError).
func (c *Card) Transmit(ctx context.Context, command []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.powered {
		return nil, &GoneError{Reason: "card is powered off"}
	}
	c.stats.APDUs++
	if c.loseIn > 0 {
		c.loseIn--
		if c.loseIn == 0 {
			// The command never reaches the card; the field drops and the
			// card comes back reset, as when a phone loses the tag.
			c.s = session{}
			c.stats.Lost++
			return nil, &GoneError{Reason: "connection lost (LoseAfter fault)"}
		}
	}
	// Any command but GET RESPONSE discards data waiting for GET RESPONSE
	// (ISO/IEC 7816-4 §5.1.3).
	pending := c.s.pending
	c.s.pending = nil
	resp, err := c.dispatch(ctx, command, pending)
	if err != nil {
		return nil, err
	}
	return c.chain(resp).Encode(), nil
}

// chain applies the ChainResponses fault: long answers are cut into pieces
// fetched with GET RESPONSE.
func (c *Card) chain(r apdu.Response) apdu.Response {
	n := c.faults.ChainResponses
	if n <= 0 || r.SW != apdu.SWOK || len(r.Data) <= n {
		return r
	}
	c.s.pending = append([]byte(nil), r.Data[n:]...)
	return apdu.Response{Data: r.Data[:n], SW: moreData(len(c.s.pending))}
}

// moreData is 61xx for n bytes waiting (00 stands for 256 or more).
func moreData(n int) apdu.StatusWord {
	return 0x6100 | apdu.StatusWord(min(n, 256)&0xFF)
}

// keyOf returns the private key of a key EF (nil when absent or unparsable).
func (c *Card) keyOf(id uint16) *rsa.PrivateKey {
	if e, ok := c.fs[id]; ok {
		return e.key
	}
	return nil
}
