// Package pcsctest holds helpers for tests that run through the real PC/SC
// stack: pcscd with the vsmartcard vpcd driver, and a card plugged into
// reader "Virtual PCD 00 00" (vpcd config "Virtual PCD 00", slot 00) over TCP 127.0.0.1:35963.
//
// Tests skip when pcscd or the reader is missing, unless the environment
// sets INKAN_REQUIRE_PCSC=1 (the project's test script does): then they fail.
// Test binaries of different packages run in parallel and vpcd takes one
// card per reader, so every test that plugs a card in holds LockVPCD.
package pcsctest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/ebfe/scard"
)

// The reader and port our tests use. Port 35964 ("Virtual PCD 00 01") belongs
// to other packages' tests.
const (
	Reader   = "Virtual PCD 00 00"
	VPCDAddr = "127.0.0.1:35963"
)

// Required reports whether INKAN_REQUIRE_PCSC=1 is set.
func Required() bool { return os.Getenv("INKAN_REQUIRE_PCSC") == "1" }

// Require skips tb (or fails it, when Required) unless pcscd answers and
// lists Reader.
func Require(tb testing.TB) {
	tb.Helper()
	if err := reachable(); err != nil {
		if Required() {
			tb.Fatalf("PC/SC required (INKAN_REQUIRE_PCSC=1) but unusable: %v", err)
		}
		tb.Skipf("PC/SC not usable, skipping (set INKAN_REQUIRE_PCSC=1 to fail instead): %v", err)
	}
}

func reachable() error {
	sc, err := scard.EstablishContext()
	if err != nil {
		return fmt.Errorf("pcscd: %w", err)
	}
	defer sc.Release()
	names, err := sc.ListReaders()
	if err != nil {
		return fmt.Errorf("list readers: %w", err)
	}
	if !slices.Contains(names, Reader) {
		return fmt.Errorf("reader %q not among %q (is vsmartcard-vpcd installed?)", Reader, names)
	}
	return nil
}

// LockVPCD takes an exclusive file lock that serializes use of VPCDAddr
// across test processes, and releases it when tb ends.
func LockVPCD(tb testing.TB) {
	tb.Helper()
	release, err := AcquireVPCD()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(release)
}

// AcquireVPCD is LockVPCD for TestMain and other places without a
// testing.TB. It blocks until the lock is free.
func AcquireVPCD() (release func(), err error) {
	path := filepath.Join(os.TempDir(), "inkan-vpcd-35963.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, fmt.Errorf("vpcd lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("vpcd lock: %w", err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// WaitCard waits until reader holds a card (present true) or is empty
// (present false).
func WaitCard(ctx context.Context, reader string, present bool) error {
	sc, err := scard.EstablishContext()
	if err != nil {
		return err
	}
	defer sc.Release()
	stop := context.AfterFunc(ctx, func() { _ = sc.Cancel() })
	defer stop()
	states := []scard.ReaderState{{Reader: reader, CurrentState: scard.StateUnaware}}
	for {
		err := sc.GetStatusChange(states, 500*time.Millisecond)
		if ctx.Err() != nil {
			return fmt.Errorf("waiting for card present=%v in %q: %w", present, reader, ctx.Err())
		}
		if err != nil && err != scard.ErrTimeout {
			return err
		}
		s := states[0].EventState
		has := s&scard.StatePresent != 0 && s&scard.StateMute == 0
		if has == present {
			return nil
		}
		states[0].CurrentState = s &^ scard.StateChanged
	}
}
