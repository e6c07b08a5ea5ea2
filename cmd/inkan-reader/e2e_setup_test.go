package main

// End-to-end tests through the real PC/SC stack: pcscd with the vsmartcard
// vpcd driver, the virtual card served by "inkan vcard serve" on
// 127.0.0.1:35963, and the inkan-reader binary. They skip when pcscd or the
// reader is missing, unless INKAN_REQUIRE_PCSC=1.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/inkan-id/inkan/cardauth/pcsc/pcsctest"
)

const (
	e2ePIN      = "1234"
	e2ePassword = "ABC123"
)

// world is the shared e2e setup, made once by the first e2e test.
type world struct {
	dir       string
	inkan     string // binary
	reader    string // binary
	caDir     string
	card      string // card file for most tests
	releaseVP func()

	mu      sync.Mutex
	serve   *exec.Cmd
	serving string // card file being served
}

var (
	e2eOnce sync.Once
	e2e     *world
	e2eErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if e2e != nil {
		e2e.stop()
		if e2e.releaseVP != nil {
			e2e.releaseVP()
		}
		os.RemoveAll(e2e.dir)
	}
	os.Exit(code)
}

// setup returns the world, or skips/fails t when PC/SC is unusable.
func setup(t testing.TB) *world {
	t.Helper()
	pcsctest.Require(t)
	e2eOnce.Do(func() { e2e, e2eErr = build() })
	if e2eErr != nil {
		t.Fatalf("e2e setup: %v", e2eErr)
	}
	return e2e
}

func build() (*world, error) {
	dir, err := os.MkdirTemp("", "inkan-reader-e2e-")
	if err != nil {
		return nil, err
	}
	w := &world{
		dir:    dir,
		inkan:  filepath.Join(dir, "inkan"),
		reader: filepath.Join(dir, "inkan-reader"),
		caDir:  filepath.Join(dir, "ca"),
		card:   filepath.Join(dir, "card.json"),
	}
	for bin, pkg := range map[string]string{
		w.inkan:  "github.com/inkan-id/inkan/cmd/inkan",
		w.reader: "github.com/inkan-id/inkan/cmd/inkan-reader",
	} {
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			return w, fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	if err := w.newCard(w.card); err != nil {
		return w, err
	}
	// Other test binaries (cardauth/pcsc) plug cards into the same reader.
	if w.releaseVP, err = pcsctest.AcquireVPCD(); err != nil {
		return w, err
	}
	return w, nil
}

// newCard issues a card into file from the world's CA.
func (w *world) newCard(file string) error {
	out, err := exec.Command(w.inkan, "vcard", "new", "-o", file, "--ca", w.caDir,
		"--auth-pin", e2ePIN, "--sign-password", e2ePassword).CombinedOutput()
	if err != nil {
		return fmt.Errorf("inkan vcard new: %v\n%s", err, out)
	}
	return nil
}

// use makes the reader hold the card in file, restarting the server if
// another card is plugged in.
func (w *world) use(t testing.TB, file string) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.serving == file && w.serve != nil {
		return
	}
	w.stopLocked()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// A card left in the reader would be answered instead of ours.
	if err := pcsctest.WaitCard(ctx, pcsctest.Reader, false); err != nil {
		t.Fatalf("reader not empty before serving: %v", err)
	}
	cmd := exec.Command(w.inkan, "vcard", "serve", file, "--vpcd", pcsctest.VPCDAddr)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.serve, w.serving = cmd, file
	if err := pcsctest.WaitCard(ctx, pcsctest.Reader, true); err != nil {
		t.Fatalf("card not seen by pcscd: %v\nserve log:\n%s", err, log.String())
	}
}

func (w *world) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopLocked()
}

func (w *world) stopLocked() {
	if w.serve == nil {
		return
	}
	_ = w.serve.Process.Signal(syscall.SIGINT)
	done := make(chan struct{})
	go func() { _ = w.serve.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = w.serve.Process.Kill()
		<-done
	}
	w.serve, w.serving = nil, ""
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_ = pcsctest.WaitCard(ctx, pcsctest.Reader, false)
}

// run runs the inkan-reader binary and returns its exit code and output.
func (w *world) run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, w.reader, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode(), out.String(), errb.String()
	case err != nil:
		t.Fatalf("inkan-reader %q: %v", args, err)
	}
	return 0, out.String(), errb.String()
}

// inkanCmd runs the inkan binary.
func (w *world) inkanCmd(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(w.inkan, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("inkan %q: %v\n%s", args, err, out)
	}
	return string(out)
}
