package main

import (
	"context"
	"encoding/pem"
	"fmt"
	"os"

	"github.com/inkan-id/inkan/cardauth/jpki"
)

// cmdCert writes the auth or sign certificate as PEM. The sign certificate
// holds name, address and birth date, so it is read only after the
// signature password and written with mode 0600.
func cmdCert(ctx context.Context, args []string, e *env) int {
	fs := newFlags(e, "cert", "--auth|--sign [--reader NAME] [-o FILE] [--pin-stdin] [--confirm-last-try]")
	var (
		cf               cardFlags
		auth, sign       bool
		out              string
		pinStdin, confLT bool
	)
	cf.register(fs)
	fs.BoolVar(&auth, "auth", false, "the authentication certificate (no PIN needed on a card)")
	fs.BoolVar(&sign, "sign", false, "the signature certificate (asks for the signature password)")
	fs.StringVar(&out, "o", "", "write to `FILE` instead of standard output")
	fs.BoolVar(&pinStdin, "pin-stdin", false, "read the PIN or password from the first line of standard input")
	fs.BoolVar(&confLT, "confirm-last-try", false, "send the PIN even when only one try is left")
	if code, done := parse(fs, args); done {
		return code
	}
	if auth == sign {
		fmt.Fprintln(e.stderr, "inkan-reader cert: give exactly one of --auth and --sign")
		return exitUsage
	}
	k := jpki.AuthKey
	if sign {
		k = jpki.SignKey
	}
	der, err := readCert(ctx, e, cf, k, pinStdin, confLT)
	if err != nil {
		return fail(e.stderr, k, err)
	}
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if out == "" {
		_, err = e.stdout.Write(b)
	} else {
		err = os.WriteFile(out, b, 0o600)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "inkan-reader: %v\n", err)
		return exitError
	}
	return exitOK
}

func readCert(ctx context.Context, e *env, cf cardFlags, k jpki.KeyKind, pinStdin, confirm bool) ([]byte, error) {
	c, err := cf.open(ctx, e)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	cl := jpki.New(c, nil)
	tok, err := cl.Open(ctx)
	if err != nil {
		return nil, err
	}
	if k == jpki.AuthKey && !tok.AuthCertNeedsPIN() {
		return cl.ReadCertificate(ctx, k)
	}
	// Smartphone tokens guard even the auth certificate with the PIN.
	if err := precheck(ctx, e, cl, k, confirm); err != nil {
		return nil, err
	}
	pin, err := readPIN(e, pinStdin, promptFor(k))
	if err != nil {
		return nil, err
	}
	// The prompt is outside the transaction, so other programs are not
	// held up while the user types; VERIFY and the read are inside it.
	unlock, err := lock(ctx, c)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := cl.Select(ctx); err != nil {
		return nil, err
	}
	if err := cl.Verify(ctx, k, pin, confirm); err != nil {
		return nil, err
	}
	der, err := cl.ReadCertificate(ctx, k)
	// Drop the verified state: SELECT of the AP clears it (jpki.md §2.1).
	_ = cl.Select(ctx)
	return der, err
}
