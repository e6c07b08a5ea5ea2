package vcard

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/inkan-id/inkan/cardauth"
	"github.com/inkan-id/inkan/cardauth/apdu"
)

func TestChainResponses(t *testing.T) {
	f := testFile(t)
	c := New(f)
	c.SetFaults(Faults{ChainResponses: 100})
	send(t, c, cSelectAP)
	send(t, c, cSelAuthCert)
	data, s := send(t, c, cRead256)
	if len(data) != 100 || s != 0x619C {
		t.Fatalf("first part: %d bytes, %v; want 100 bytes, 619C", len(data), s)
	}
	data, s = send(t, c, "00 C0 00 00 9C")
	if len(data) != 100 || s != 0x6138 {
		t.Fatalf("second part: %d bytes, %v; want 100, 6138", len(data), s)
	}
	if _, s := send(t, c, "00 A4 00 00"); s != apdu.SWOK {
		t.Fatal(s)
	}
	// Another command discarded the rest.
	if _, s := send(t, c, "00 C0 00 00 38"); s != apdu.SWConditionsNotSatisfied {
		t.Errorf("GET RESPONSE after another command: %v, want 6985", s)
	}

	// The shared client rule (cardauth.Exchange) reassembles everything.
	var got []byte
	for off := 0; off < len(f.Auth.Certificate); off += 256 {
		r, err := cardauth.Exchange(context.Background(), c,
			apdu.Command{INS: 0xB0, P1: byte(off >> 8), P2: byte(off), Ne: 256}, cardauth.ExchangeOptions{})
		if err != nil || r.SW != apdu.SWOK {
			t.Fatalf("Exchange at %d: %v %v", off, r.SW, err)
		}
		got = append(got, r.Data...)
	}
	if !bytes.Equal(got, f.Auth.Certificate) {
		t.Error("chained read differs from the certificate")
	}
	// A signature is chained too.
	send(t, c, "00 20 00 98 04 31 32 33 34")
	r, err := cardauth.Exchange(context.Background(), c,
		apdu.Command{CLA: 0x80, INS: 0x2A, P2: 0x97, Data: h(cDigestInfo), Ne: 256}, cardauth.ExchangeOptions{})
	if err != nil || r.SW != apdu.SWOK || len(r.Data) != 256 {
		t.Fatalf("chained signature: %d bytes %v %v", len(r.Data), r.SW, err)
	}
}

func TestWrongLeOnce(t *testing.T) {
	c := New(testFile(t))
	c.SetFaults(Faults{WrongLeOnce: true})
	send(t, c, cSelectAP)
	send(t, c, cSelToken)
	if _, s := send(t, c, cRead256); s != 0x6CA0 {
		t.Fatalf("first read: %v, want 6CA0 (160 bytes available)", s)
	}
	if data, s := send(t, c, "00 B0 00 00 A0"); s != apdu.SWOK || len(data) != 160 {
		t.Fatalf("resend: %d bytes %v", len(data), s)
	}
	if _, s := send(t, c, cRead256); s != apdu.SWOK {
		t.Fatalf("fault fired twice: %v", s)
	}
}

func TestLoseAfter(t *testing.T) {
	c := New(testFile(t))
	send(t, c, cSelectAP)
	send(t, c, cSelAuthPIN)
	c.SetFaults(Faults{LoseAfter: 2})
	send(t, c, cAuthOK)
	_, err := c.Transmit(context.Background(), h(cAuthBad))
	if !errors.Is(err, cardauth.ErrCardGone) {
		t.Fatalf("second APDU: %v, want ErrCardGone", err)
	}
	// The lost command never ran and the card came back reset.
	if got := c.File().Auth.TriesLeft; got != MaxAuthTries {
		t.Errorf("lost VERIFY changed the counter to %d", got)
	}
	if _, s := send(t, c, cSelAuthKey); s != apdu.SWFileNotFound {
		t.Errorf("after loss: %v, want 6A82 (reset, no DF)", s)
	}
	send(t, c, cSelectAP)
	send(t, c, cSelAuthKey)
	if _, s := send(t, c, cSign80); s != apdu.SWSecurityStatus {
		t.Errorf("security state survived the loss: %v", s)
	}
	if st := c.Stats(); st.Lost != 1 || st.APDUs != 8 {
		t.Errorf("Stats = %+v, want Lost 1, APDUs 8", st)
	}
}

func TestRemoveBeforeSign(t *testing.T) {
	c := New(testFile(t))
	c.SetFaults(Faults{RemoveBeforeSign: true})
	send(t, c, cSelectAP)
	send(t, c, cSelAuthKey)
	// Without a verified PIN the fault does not fire: the card answers.
	if _, s := send(t, c, cSign80); s != apdu.SWSecurityStatus {
		t.Fatal(s)
	}
	send(t, c, "00 20 00 98 04 31 32 33 34")
	_, err := c.Transmit(context.Background(), h(cSign80))
	if !errors.Is(err, cardauth.ErrCardGone) {
		t.Fatalf("sign: %v, want ErrCardGone", err)
	}
	if c.Powered() {
		t.Fatal("card still powered after removal")
	}
	if _, err := c.Transmit(context.Background(), h(cSelectAP)); !errors.Is(err, cardauth.ErrCardGone) {
		t.Fatalf("removed card answered: %v", err)
	}
	c.PowerOn()
	send(t, c, cSelectAP)
	send(t, c, cSelAuthKey)
	if _, s := send(t, c, cSign80); s != apdu.SWSecurityStatus {
		t.Fatalf("after reinsertion: %v, want 6982", s)
	}
	send(t, c, "00 20 00 98 04 31 32 33 34")
	if data, s := send(t, c, cSign80); s != apdu.SWOK || len(data) != 256 {
		t.Fatalf("fault fired twice: %v", s)
	}
}

func TestSignDelay(t *testing.T) {
	c := New(testFile(t))
	c.SetFaults(Faults{SignDelay: time.Minute})
	send(t, c, cSelectAP)
	send(t, c, "00 20 00 98 04 31 32 33 34")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Transmit(ctx, h(cSign97))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("slow sign: %v, want DeadlineExceeded", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatal("SignDelay ignored the context")
	}
	c.SetFaults(Faults{SignDelay: 20 * time.Millisecond})
	start = time.Now()
	if _, s := send(t, c, cSign97); s != apdu.SWOK {
		t.Fatal(s)
	}
	if time.Since(start) < 20*time.Millisecond {
		t.Error("SignDelay not applied")
	}
}

func TestConcurrentTransmit(t *testing.T) {
	c := New(testFile(t))
	send(t, c, cSelectAP)
	done := make(chan struct{})
	for range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 50 {
				c.Transmit(context.Background(), h("00 B0 86 00 20"))
				c.Transmit(context.Background(), h("00 20 00 98"))
			}
		}()
	}
	for range 8 {
		<-done
	}
	if got := c.Stats().APDUs; got != 1+8*50*2 {
		t.Errorf("APDUs = %d", got)
	}
}
