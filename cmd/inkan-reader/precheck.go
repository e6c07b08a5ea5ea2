package main

import (
	"context"
	"fmt"

	"github.com/inkan-id/inkan/cardauth/jpki"
)

// precheck selects the application and reads k's counter before the user
// is asked for anything (design.md rule 2): a blocked PIN or an
// unconfirmed last try stops here, so nobody types a PIN for nothing.
// jpki.Verify checks again on the card before sending the PIN.
func precheck(ctx context.Context, e *env, cl *jpki.Client, k jpki.KeyKind, confirm bool) error {
	if err := cl.Select(ctx); err != nil {
		return err
	}
	n, verified, err := cl.Retries(ctx, k)
	switch {
	case err != nil:
		return err
	case verified:
		return nil
	case n == 0:
		return jpki.ErrPINBlocked
	case n == 1 && !confirm:
		return jpki.ErrLastTry
	case n < k.MaxTries():
		fmt.Fprintf(e.stderr, "inkan-reader: note: %s left\n", tries(n))
	}
	return nil
}

func promptFor(k jpki.KeyKind) string {
	if k == jpki.SignKey {
		return "Signature password (6-16 letters and digits): "
	}
	return "Authentication PIN (4 digits): "
}
