package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/inkan-id/inkan/cardauth/jpki"
	mobilebridge "github.com/inkan-id/inkan/mobile-bridge"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

// Exit codes of "open" beyond the card's (exit.go), documented in usage.
const (
	// exitTxGone: the website will not take an answer to this request any
	// more: expired, already used, claimed or being answered by another
	// device, too many failed tries, or a wrong or unknown link.
	exitTxGone = 10
	// exitRefused: the website checked the card's answer and refused it
	// (certificate expired, revoked or not trusted, clock, ...), or the
	// link leads to a site that is not the provider it names.
	exitRefused = 11
	// exitNetwork: the website could not be reached or cannot serve now.
	exitNetwork = 12
	// exitDeclined: the user answered no; nothing was sent.
	exitDeclined = 13
)

// failOpen prints a message for a user and returns the exit code for err,
// which may come from the bridge as well as from the card.
func failOpen(w io.Writer, k jpki.KeyKind, err error) int {
	code, msg := explainBridge(k, err)
	fmt.Fprintln(w, "inkan-reader: "+msg)
	return code
}

func explainBridge(k jpki.KeyKind, err error) (int, string) {
	var (
		pe   *protocol.Error
		te   *mobilebridge.TransportError
		bad  *mobilebridge.BadAnswerError
		le   *protocol.LinkError
		om   *mobilebridge.OriginMismatchError
		code int
	)
	switch {
	case errors.As(err, &om):
		return exitRefused, fmt.Sprintf("stopped for your safety: the link leads to %s, but the website there says it is %s; "+
			"it may be passing on another site's login. Nothing was sent to the card.", om.Connected, clean(om.Named))
	case errors.As(err, &le):
		return exitUsage, le.Error()
	case errors.As(err, &pe):
		switch pe.Code {
		case protocol.CodeExpired, protocol.CodeAlreadyUsed, protocol.CodeBusy, protocol.CodeClaimedByAnotherDevice,
			protocol.CodeTooManyAttempts, protocol.CodeNotFound, protocol.CodeUnauthorized:
			code = exitTxGone
		case protocol.CodeUnavailable, protocol.CodeRevocationUnavailable, protocol.CodeInternal:
			code = exitNetwork
		default:
			// Unknown codes too: the website's message says what to do.
			code = exitRefused
		}
		msg := fmt.Sprintf("the website refused (%s): %s", clean(string(pe.Code)), clean(pe.Message))
		if ja := clean(pe.MessageJA); ja != "" {
			msg += "\n  " + ja
		}
		if pe.Code == protocol.CodeBusy {
			msg += "\n  (another device is answering this request right now)"
		}
		return code, msg
	case errors.As(err, &te):
		return exitNetwork, fmt.Sprintf("could not reach the website; check the network and try again (%v)", te.Err)
	case errors.As(err, &bad):
		return exitNetwork, fmt.Sprintf("the website gave an unexpected answer; try again later (%s, HTTP %d)", bad.Reason, bad.Status)
	case errors.Is(err, context.DeadlineExceeded):
		return exitNetwork, "the website did not answer in time; try again"
	}
	code, msg := explain(k, err)
	var wrong *jpki.WrongPINError
	if errors.As(err, &wrong) && wrong.Remaining > 0 {
		msg += "; nothing was sent to the website. Open the link again to retry"
	}
	return code, msg
}
