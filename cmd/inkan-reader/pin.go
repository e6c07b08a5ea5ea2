package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/term"
)

// errNoTerminal: no way to ask for the PIN without echo.
var errNoTerminal = errors.New("standard input is not a terminal; pass the PIN with --pin-stdin")

// terminalPIN returns an askPIN for in, or nil when in is not a terminal.
// Ctrl-C during the prompt restores the terminal before exiting, because
// echo is off while the PIN is typed.
func terminalPIN(in *os.File, prompt io.Writer) func(string) (string, error) {
	fd := int(in.Fd())
	if !term.IsTerminal(fd) {
		return nil
	}
	return func(msg string) (string, error) {
		state, err := term.GetState(fd)
		if err != nil {
			return "", err
		}
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		done := make(chan struct{})
		defer func() {
			signal.Stop(sig)
			close(done)
		}()
		go func() {
			select {
			case <-sig:
				_ = term.Restore(fd, state)
				fmt.Fprintln(prompt)
				os.Exit(130)
			case <-done:
			}
		}()
		fmt.Fprint(prompt, msg)
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(prompt)
		return string(b), err
	}
}

// readPIN gets the PIN: the first line of stdin with --pin-stdin, else
// from the terminal. The value is not checked here; jpki checks its format
// before any VERIFY.
func readPIN(e *env, fromStdin bool, prompt string) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && line != "") {
			return "", fmt.Errorf("reading the PIN from stdin: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	if e.askPIN == nil {
		return "", errNoTerminal
	}
	return e.askPIN(prompt)
}
