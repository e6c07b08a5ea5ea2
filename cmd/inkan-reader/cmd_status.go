package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/inkan-id/inkan/cardauth/jpki"
)

var tokenNames = map[jpki.Token]string{
	jpki.TokenCard:    "My Number Card",
	jpki.TokenJuki:    "Basic Resident Register card",
	jpki.TokenAndroid: "smartphone certificate, Android",
	jpki.TokenIPhone:  "smartphone certificate, iPhone",
}

// cmdStatus prints the token and both counters. It reads the counters with
// an empty VERIFY, which spends no try (jpki.md §2.3).
func cmdStatus(ctx context.Context, args []string, e *env) int {
	fs := newFlags(e, "status", "[--reader NAME]")
	var cf cardFlags
	cf.register(fs)
	if code, done := parse(fs, args); done {
		return code
	}
	c, err := cf.open(ctx, e)
	if err != nil {
		return fail(e.stderr, jpki.AuthKey, err)
	}
	defer c.Close()
	cl := jpki.New(c, nil)
	tok, err := cl.Open(ctx)
	if err != nil {
		return fail(e.stderr, jpki.AuthKey, err)
	}
	if r := readerName(c); r != "" {
		fmt.Fprintf(e.stdout, "reader:         %s\n", r)
	}
	desc := tokenNames[tok]
	if desc == "" {
		desc = "unknown token"
	}
	fmt.Fprintf(e.stdout, "token:          %s (%s)\n", tok, desc)
	for _, k := range []jpki.KeyKind{jpki.AuthKey, jpki.SignKey} {
		label := "auth PIN:       "
		if k == jpki.SignKey {
			label = "sign password:  "
		}
		n, verified, err := cl.Retries(ctx, k)
		switch {
		case errors.Is(err, jpki.ErrFileNotFound):
			fmt.Fprintf(e.stdout, "%snot on this card\n", label)
		case err != nil:
			return fail(e.stderr, k, err)
		case verified:
			fmt.Fprintf(e.stdout, "%sverified in this session\n", label)
		case n == 0:
			fmt.Fprintf(e.stdout, "%s0 tries left (blocked)\n", label)
		default:
			fmt.Fprintf(e.stdout, "%s%s left\n", label, tries(n))
		}
	}
	return exitOK
}
