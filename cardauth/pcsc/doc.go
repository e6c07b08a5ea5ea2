// Package pcsc is the PC/SC cardauth.Transceiver, on github.com/ebfe/scard
// and libpcsclite (cgo). Only desktop binaries import it; the server stays
// pure Go (design.md).
//
// A Card is opened in shared mode so other programs (a browser's PKCS#11
// module, a tax-filing app) can still reach the reader. Shared mode means
// another program may reset the card between two of our commands and wipe
// the PIN's verified state; Card therefore implements cardauth.Locker with
// a PC/SC transaction, which jpki.Login holds from SELECT to the signature
// (jpki.md §12, the OpenSC approach).
//
// When a reset happens anyway, Transmit reconnects, re-selects the
// application the caller last selected by DF name (or runs Options.OnReset),
// and returns an error wrapping ErrCardReset, which also matches
// cardauth.ErrCardGone: the caller must restart its sequence from SELECT
// rather than continue as if its PIN were still verified.
package pcsc
