package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/inkan-id/inkan/cardauth/vcard"
	"github.com/inkan-id/inkan/mobile-bridge"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

// tapStdin is where --pin-stdin reads; tests replace it.
var tapStdin io.Reader = os.Stdin

const tapArgs = "card.json BRIDGE-LINK [--pin-stdin | --pin PIN] [--confirm-last-try]"

// vcardTap answers a bridge link with a virtual card through the same
// agent code a phone runs (mobilebridge.Run), so the provider cannot tell
// it from a phone. The card file's counters change as a real card's would.
func vcardTap(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("tap", tapArgs, "Answer a bridge link (https:// or inkan://) with the virtual card, exactly as a phone would; PIN counters persist in the card file", stderr)
	pinStdin := fs.Bool("pin-stdin", false, "read the PIN (or, for a sign transaction, the signature password) from the first line of standard input")
	pinFlag := fs.String("pin", "", "the PIN on the command line: INSECURE (visible to other users in ps and kept in shell history); for throwaway development cards only")
	confirm := fs.Bool("confirm-last-try", false, "present the PIN even when the card has only one try left (a wrong one then blocks it)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("vcard tap: want a card file and a bridge link")
	}
	if *pinStdin == (*pinFlag != "") {
		return usagef("vcard tap: give the PIN with exactly one of --pin-stdin or --pin")
	}
	// A bad link is reported before the card file is touched.
	if _, err := protocol.ParseLink(pos[1]); err != nil {
		return err
	}
	pin := *pinFlag
	if *pinStdin {
		if pin, err = readPIN(tapStdin); err != nil {
			return err
		}
	}
	card, err := vcard.Load(pos[0])
	if err != nil {
		return err
	}
	res, err := mobilebridge.Run(ctx, pos[1], card, pin, &mobilebridge.Options{ConfirmLastTry: *confirm})
	if err != nil {
		return tapError(err)
	}
	how := "certificate read from the card"
	if !res.CertRead {
		how = "cached certificate"
	}
	fmt.Fprintf(stdout, "done: %s for %s (%s), tx %s, %d APDUs, %s\n",
		res.Transaction.Purpose, res.Transaction.RelyingParty.Name, res.Transaction.RelyingParty.ClientID,
		res.Transaction.ID, res.APDUs, how)
	return nil
}

// readPIN reads one line; the PIN is never echoed or logged.
func readPIN(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 256)).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("vcard tap: no PIN on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// tapError says what went wrong in the words an agent would show.
func tapError(err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return fmt.Errorf("the provider refused: %s: %s", pe.Code, pe.Message)
	}
	return err
}
