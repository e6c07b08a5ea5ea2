package pcsc_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ebfe/scard"

	"github.com/inkan-id/inkan/cardauth"
	"github.com/inkan-id/inkan/cardauth/pcsc"
	"github.com/inkan-id/inkan/cardauth/pcsc/pcsctest"
)

var (
	atr       = []byte{0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14}
	selectAP  = []byte{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}
	getChal   = []byte{0x00, 0x84, 0x00, 0x00, 0x08}
	selectOne = []byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x06}
)

// plug puts a fake card into the test reader and waits until pcscd sees it.
func plug(t *testing.T, f *pcsctest.FakeCard) {
	t.Helper()
	pcsctest.Require(t)
	pcsctest.LockVPCD(t)
	ctx, cancel := context.WithCancel(context.Background())
	if f.ATR == nil {
		f.ATR = atr
	}
	if err := f.Plug(ctx, pcsctest.VPCDAddr); err != nil {
		cancel()
		t.Fatalf("plug: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		f.Unplug()
		wctx, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		_ = pcsctest.WaitCard(wctx, pcsctest.Reader, false)
	})
	wctx, c := context.WithTimeout(ctx, 10*time.Second)
	defer c()
	if err := pcsctest.WaitCard(wctx, pcsctest.Reader, true); err != nil {
		t.Fatal(err)
	}
}

func open(t *testing.T, opts pcsc.Options) *pcsc.Card {
	t.Helper()
	if opts.Reader == "" {
		opts.Reader = pcsctest.Reader
	}
	c, err := pcsc.Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestTransmitAndReaders(t *testing.T) {
	f := &pcsctest.FakeCard{Handle: func(cmd []byte) []byte {
		if cmd[1] == 0x84 {
			return []byte{1, 2, 3, 4, 5, 6, 7, 8, 0x90, 0x00}
		}
		return []byte{0x90, 0x00}
	}}
	plug(t, f)
	rs, err := pcsc.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rs {
		if r.Name == pcsctest.Reader {
			found = r.Card
			if !bytes.Equal(r.ATR, atr) {
				t.Errorf("ATR %X, want %X", r.ATR, atr)
			}
		}
	}
	if !found {
		t.Fatalf("List = %+v: %q with a card missing", rs, pcsctest.Reader)
	}

	// A case-insensitive part of the name picks the reader.
	c := open(t, pcsc.Options{Reader: "virtual pcd 00 00"})
	if c.Reader() != pcsctest.Reader {
		t.Fatalf("Reader() = %q", c.Reader())
	}
	resp, err := c.Transmit(context.Background(), getChal)
	if err != nil || len(resp) != 10 {
		t.Fatalf("Transmit = %X, %v", resp, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Transmit(ctx, getChal); !errors.Is(err, context.Canceled) {
		t.Fatalf("Transmit with a cancelled ctx: %v", err)
	}
	if n := len(f.Commands()); n != 1 {
		t.Fatalf("card saw %d commands, want 1 (the cancelled one must not be sent)", n)
	}
}

func TestResetReselectsAndReports(t *testing.T) {
	f := &pcsctest.FakeCard{}
	plug(t, f)
	c := open(t, pcsc.Options{})
	ctx := context.Background()
	if _, err := c.Transmit(ctx, selectAP); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Transmit(ctx, selectOne); err != nil {
		t.Fatal(err)
	}
	resetByOther(t)

	_, err := c.Transmit(ctx, getChal)
	if !errors.Is(err, pcsc.ErrCardReset) || !errors.Is(err, cardauth.ErrCardGone) {
		t.Fatalf("Transmit after reset: %v, want ErrCardReset and ErrCardGone", err)
	}
	cmds := f.Commands()
	if last := cmds[len(cmds)-1]; !bytes.Equal(last, selectAP) {
		t.Fatalf("last command after reset %X, want the AP re-selected %X", last, selectAP)
	}
	if f.Resets() == 0 {
		t.Error("the card saw no reset")
	}
	if _, err := c.Transmit(ctx, getChal); err != nil {
		t.Fatalf("Transmit after recovery: %v", err)
	}
}

func TestOnReset(t *testing.T) {
	f := &pcsctest.FakeCard{}
	plug(t, f)
	called := 0
	c := open(t, pcsc.Options{OnReset: func(ctx context.Context, tr cardauth.Transceiver) error {
		called++
		_, err := tr.Transmit(ctx, selectOne)
		return err
	}})
	resetByOther(t)
	if _, err := c.Transmit(context.Background(), getChal); !errors.Is(err, pcsc.ErrCardReset) {
		t.Fatalf("Transmit after reset: %v", err)
	}
	cmds := f.Commands()
	if called != 1 || !bytes.Equal(cmds[len(cmds)-1], selectOne) {
		t.Fatalf("OnReset called %d times, last command %X", called, cmds[len(cmds)-1])
	}
}

// resetByOther resets the card from another PC/SC handle, as another
// program on the desktop might.
func resetByOther(t *testing.T) {
	t.Helper()
	sc, err := scard.EstablishContext()
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Release()
	h, err := sc.Connect(pcsctest.Reader, scard.ShareShared, scard.ProtocolAny)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Disconnect(scard.ResetCard); err != nil {
		t.Fatal(err)
	}
}

func TestLockKeepsOthersOut(t *testing.T) {
	f := &pcsctest.FakeCard{}
	plug(t, f)
	c := open(t, pcsc.Options{})
	// Connect before the lock: pcsclite holds SCardConnect back during
	// another handle's transaction too.
	other := open(t, pcsc.Options{})
	ctx := context.Background()
	if err := c.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := other.Transmit(ctx, selectOne)
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	if _, err := c.Transmit(ctx, getChal); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Commands()); n != 1 {
		t.Fatalf("card saw %d commands while locked, want only ours", n)
	}
	if err := c.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("other program after Unlock: %v", err)
	}
	if n := len(f.Commands()); n != 2 {
		t.Fatalf("card saw %d commands, want 2", n)
	}
}

func TestRemovedCardIsGone(t *testing.T) {
	f := &pcsctest.FakeCard{}
	plug(t, f)
	c := open(t, pcsc.Options{})
	f.Unplug()
	wctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := pcsctest.WaitCard(wctx, pcsctest.Reader, false); err != nil {
		t.Fatal(err)
	}
	_, err := c.Transmit(context.Background(), getChal)
	if !errors.Is(err, cardauth.ErrCardGone) {
		t.Fatalf("Transmit to a removed card: %v, want ErrCardGone", err)
	}
}

func TestOpenWaitsForCard(t *testing.T) {
	pcsctest.Require(t)
	pcsctest.LockVPCD(t)
	ctx := context.Background()
	_, err := pcsc.Open(ctx, pcsc.Options{Reader: pcsctest.Reader})
	if !errors.Is(err, pcsc.ErrNoCard) {
		t.Fatalf("Open of an empty reader: %v, want ErrNoCard", err)
	}
	_, err = pcsc.Open(ctx, pcsc.Options{Reader: pcsctest.Reader, Wait: 200 * time.Millisecond})
	if !errors.Is(err, pcsc.ErrNoCard) {
		t.Fatalf("Open with a short wait: %v, want ErrNoCard", err)
	}
	var nf *pcsc.ReaderNotFoundError
	if _, err = pcsc.Open(ctx, pcsc.Options{Reader: "no such reader"}); !errors.As(err, &nf) {
		t.Fatalf("Open of a missing reader: %v, want ReaderNotFoundError", err)
	}

	f := &pcsctest.FakeCard{ATR: atr}
	pctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		f.Unplug()
		w, c := context.WithTimeout(ctx, 10*time.Second)
		defer c()
		_ = pcsctest.WaitCard(w, pcsctest.Reader, false)
	}()
	go func() {
		time.Sleep(300 * time.Millisecond)
		_ = f.Plug(pctx, pcsctest.VPCDAddr)
	}()
	c, err := pcsc.Open(ctx, pcsc.Options{Reader: pcsctest.Reader, Wait: 20 * time.Second})
	if err != nil {
		t.Fatalf("Open waiting for a card: %v", err)
	}
	c.Close()

	// A cancelled ctx ends the wait.
	f.Unplug()
	w, c2 := context.WithTimeout(ctx, 10*time.Second)
	defer c2()
	if err := pcsctest.WaitCard(w, pcsctest.Reader, false); err != nil {
		t.Fatal(err)
	}
	cctx, ccancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer ccancel()
	if _, err := pcsc.Open(cctx, pcsc.Options{Reader: pcsctest.Reader, Wait: time.Minute}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Open with an expiring ctx: %v", err)
	}
}
