package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"github.com/inkan-id/inkan/cardauth/jpki"
)

// signOutput is what sign prints; []byte fields are standard base64.
type signOutput struct {
	Certificate []byte `json:"certificate"` // DER
	Signature   []byte `json:"signature"`   // PKCS#1 v1.5 over DigestInfo(SHA-256(data))
	APDUs       int64  `json:"apdus"`       // command APDUs this run sent to the card
}

// cmdSign runs jpki.Login over the data and prints the result as JSON.
func cmdSign(ctx context.Context, args []string, e *env) int {
	fs := newFlags(e, "sign", "--auth [--reader NAME] [--pin-stdin] [--confirm-last-try] (--data STRING | --data-file PATH) [--cert-file PEM]")
	var (
		cf                       cardFlags
		auth, sign               bool
		pinStdin, confirm        bool
		data, dataFile, certFile string
		dataSet                  bool
	)
	cf.register(fs)
	fs.BoolVar(&auth, "auth", false, "sign with the authentication key (4-digit PIN)")
	fs.BoolVar(&sign, "sign", false, "sign with the signature key (signature password)")
	fs.BoolVar(&pinStdin, "pin-stdin", false, "read the PIN from the first line of standard input")
	fs.BoolVar(&confirm, "confirm-last-try", false, "send the PIN even when only one try is left")
	fs.Func("data", "sign the bytes of `STRING` (the client_data JSON)", func(s string) error {
		data, dataSet = s, true
		return nil
	})
	fs.StringVar(&dataFile, "data-file", "", "sign the contents of `PATH`")
	fs.StringVar(&certFile, "cert-file", "", "certificate `PEM` (or DER) from an earlier run; skips reading it from the card")
	if code, done := parse(fs, args); done {
		return code
	}
	if auth == sign {
		fmt.Fprintln(e.stderr, "inkan-reader sign: give exactly one of --auth and --sign")
		return exitUsage
	}
	if dataSet == (dataFile != "") {
		fmt.Fprintln(e.stderr, "inkan-reader sign: give exactly one of --data and --data-file")
		return exitUsage
	}
	k := jpki.AuthKey
	if sign {
		k = jpki.SignKey
	}
	msg := []byte(data)
	if dataFile != "" {
		var err error
		if msg, err = os.ReadFile(dataFile); err != nil {
			fmt.Fprintf(e.stderr, "inkan-reader: %v\n", err)
			return exitError
		}
	}
	var cert []byte
	if certFile != "" {
		var err error
		if cert, err = loadCert(certFile); err != nil {
			fmt.Fprintf(e.stderr, "inkan-reader: %v\n", err)
			return exitError
		}
	}
	out, err := login(ctx, e, cf, jpki.LoginRequest{Key: k, ConfirmLastTry: confirm, Message: msg, Certificate: cert}, pinStdin)
	if err != nil {
		return fail(e.stderr, k, err)
	}
	enc := json.NewEncoder(e.stdout)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintf(e.stderr, "inkan-reader: %v\n", err)
		return exitError
	}
	return exitOK
}

func login(ctx context.Context, e *env, cf cardFlags, req jpki.LoginRequest, pinStdin bool) (*signOutput, error) {
	c, err := cf.open(ctx, e)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	t := count(c)
	cl := jpki.New(t, nil)
	if err := precheck(ctx, e, cl, req.Key, req.ConfirmLastTry); err != nil {
		return nil, err
	}
	if req.PIN, err = readPIN(e, pinStdin, promptFor(req.Key)); err != nil {
		return nil, err
	}
	res, err := cl.Login(ctx, req)
	if err != nil {
		return nil, err
	}
	// Leave no verified state behind for other programs to use.
	_ = cl.Select(ctx)
	n, _, _ := t.Counts()
	return &signOutput{Certificate: res.Certificate, Signature: res.Signature, APDUs: n}, nil
}

// loadCert reads a PEM certificate, or DER, and checks it parses.
func loadCert(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	der := b
	if blk, _ := pem.Decode(b); blk != nil {
		if blk.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("%s: PEM block %q, want CERTIFICATE", path, blk.Type)
		}
		der = blk.Bytes
	}
	if _, err := x509.ParseCertificate(der); err != nil {
		return nil, errors.Join(fmt.Errorf("%s: not a certificate", path), err)
	}
	return der, nil
}
