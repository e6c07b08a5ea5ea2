package main

import (
	"context"
	"fmt"

	"github.com/inkan-id/inkan/cardauth/jpki"
)

// cmdReaders lists readers, one a line: "card" or "empty", then the name.
func cmdReaders(ctx context.Context, args []string, e *env) int {
	fs := newFlags(e, "readers", "")
	if code, done := parse(fs, args); done {
		return code
	}
	rs, err := e.readers(ctx)
	if err != nil {
		return fail(e.stderr, jpki.AuthKey, err)
	}
	if len(rs) == 0 {
		fmt.Fprintln(e.stderr, "inkan-reader: no smart-card reader found; connect one")
		return exitNoCard
	}
	for _, r := range rs {
		state := "empty"
		if r.Card {
			state = "card"
		}
		fmt.Fprintf(e.stdout, "%-5s  %s\n", state, r.Name)
	}
	return exitOK
}
