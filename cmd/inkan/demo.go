package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/inkan-id/inkan/cardauth"
	"github.com/inkan-id/inkan/cardauth/clientdata"
	"github.com/inkan-id/inkan/cardauth/identity"
	"github.com/inkan-id/inkan/cardauth/jpki"
	"github.com/inkan-id/inkan/cardauth/revocation"
	"github.com/inkan-id/inkan/cardauth/vcard"
	"github.com/inkan-id/inkan/cardauth/vcard/testca"
	"github.com/inkan-id/inkan/cardauth/verify"
	"github.com/inkan-id/inkan/provider/config"
)

// demoOrigin stands in for the provider's origin in the demo's client_data.
const demoOrigin = "http://127.0.0.1:8080"

// runDemo is the virtual-card demo: one card login and one eKYC signature
// against a virtual card in this process, each verified the way the server
// verifies them (test CA root, OCSP through a local responder).
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", "", "run a card login and an eKYC signature against a virtual card, and verify both", stderr)
	dir := fs.String("dir", config.DefaultDevDataDir, "folder for the test CA and the demo card")
	pin := fs.String("pin", defaultAuthPIN, "auth PIN to present (the demo card's is "+defaultAuthPIN+")")
	password := fs.String("sign-password", defaultSignPassword, "sign password to present")
	trace := fs.Bool("trace", true, "print every APDU (PIN bytes masked)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("demo takes no arguments")
	}

	caDir, cardPath := filepath.Join(*dir, "testca"), filepath.Join(*dir, "demo-card.json")
	if _, err := os.Stat(cardPath); errors.Is(err, os.ErrNotExist) {
		f, err := issue(caDir, vcard.Spec{
			AuthPIN: defaultAuthPIN, SignPassword: defaultSignPassword,
			Holder: testca.Holder{Name: defaultName, Birthdate: defaultBirthdate, Address: defaultAddress, Gender: defaultGender},
		})
		if err != nil {
			return err
		}
		if err := vcard.WriteFile(cardPath, f); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "issued a virtual card: %s (test CA in %s)\n", cardPath, caDir)
	}
	ca, err := testca.Load(caDir)
	if err != nil {
		return err
	}
	card, err := vcard.Load(cardPath)
	if err != nil {
		return err
	}

	// The test CA's OCSP responder, on a loopback port for this run.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: ca.OCSPHandler(time.Now), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()

	roots := verify.NewRoots(verify.Test)
	for _, k := range []testca.Kind{testca.Auth, testca.Sign} {
		if err := roots.AddTestRoot(ca.Root(k)); err != nil {
			return err
		}
	}
	ocsp := &revocation.OCSPSource{URL: "http://" + ln.Addr().String()}
	v, err := verify.New(verify.Config{Roots: roots, Revocation: revocation.NewCache(ocsp, revocation.CacheConfig{})})
	if err != nil {
		return err
	}

	var t cardauth.Transceiver = card
	if *trace {
		log := slog.New(slog.NewTextHandler(stdout, &slog.HandlerOptions{Level: slog.LevelDebug,
			ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				switch a.Key {
				case slog.TimeKey, slog.LevelKey:
					return slog.Attr{}
				case "r", "c": // long answers: the first bytes and the size
					if s := a.Value.String(); len(s) > 48 {
						return slog.String(a.Key, fmt.Sprintf("%s… (%d bytes)", s[:40], len(s)/2))
					}
				}
				return a
			}}))
		t = &cardauth.Tracer{T: card, Log: log}
	}
	counter := &cardauth.Counter{T: t}
	client := jpki.New(counter, nil)

	for _, step := range []struct {
		title   string
		purpose verify.Purpose
		key     jpki.KeyKind
		pin     string
	}{
		{"card login (auth key, 4-digit PIN)", verify.Auth, jpki.AuthKey, *pin},
		{"eKYC signature (sign key, password)", verify.Sign, jpki.SignKey, *password},
	} {
		fmt.Fprintf(stdout, "\n== %s\n", step.title)
		counter.Reset()
		res, err := demoLogin(ctx, client, v, step.purpose, step.key, step.pin)
		if err != nil {
			return err
		}
		n, sent, received := counter.Counts()
		fmt.Fprintf(stdout, "verified: card %s, revocation %s via %s, %d APDUs, %d bytes sent, %d received\n",
			res.Card, res.Revocation.Status, res.Revocation.Source, n, sent, received)
		if step.purpose == verify.Sign {
			a, err := identity.Extract(res.Certificate)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "basic four: name %s, born %s, gender %s, address %s\n", a.Name, a.Birthdate, a.OIDCGender(), a.Address)
		}
	}
	return nil
}

// demoLogin plays both sides of one login: the agent signs client_data on
// the card; the server verifies what it sent.
func demoLogin(ctx context.Context, c *jpki.Client, v *verify.Verifier, p verify.Purpose, k jpki.KeyKind, pin string) (*verify.Result, error) {
	nonce := make([]byte, clientdata.NonceSize)
	txid := make([]byte, 16)
	rand.Read(nonce)
	rand.Read(txid)
	typ := clientdata.TypeAuth
	if p == verify.Sign {
		typ = clientdata.TypeSign
	}
	created := time.Now()
	cd := clientdata.ClientData{Type: typ, Origin: demoOrigin, TransactionID: base64.RawURLEncoding.EncodeToString(txid), Nonce: nonce, Time: created}
	msg, err := cd.Marshal()
	if err != nil {
		return nil, err
	}
	out, err := c.Login(ctx, jpki.LoginRequest{Key: k, PIN: pin, Message: msg})
	if err != nil {
		return nil, err
	}
	return v.Verify(ctx, out.Certificate, msg, out.Signature, verify.Expect{
		Purpose: p, Origin: demoOrigin, TransactionID: cd.TransactionID, Nonce: nonce,
		NotBefore: created.Add(-time.Second), MaxAge: time.Minute,
	})
}
