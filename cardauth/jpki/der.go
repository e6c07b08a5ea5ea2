package jpki

import (
	"errors"
	"fmt"
)

// errDERHeader is wrapped by every DERLength failure.
var errDERHeader = errors.New("jpki: bad DER header")

// DERLength returns the total size (header plus contents) of the DER/BER
// element that starts at b[0], reading only its header, so a certificate's
// size is known from the first chunk of a READ BINARY. It parses tags and
// lengths generically (high tag numbers, long-form lengths up to 4 bytes)
// rather than assuming 30 82 LL LL (jpki.md §13 item 9); indefinite lengths
// are refused because DER never uses them. needMore is true when b is too
// short to hold the whole header.
func DERLength(b []byte) (total int, needMore bool, err error) {
	i := 0
	if len(b) == 0 {
		return 0, true, nil
	}
	tag := b[i]
	i++
	if tag&0x1F == 0x1F { // high tag number form: base-128 continuation bytes
		for n := 0; ; n++ {
			if i >= len(b) {
				return 0, true, nil
			}
			if n >= 4 {
				return 0, false, fmt.Errorf("%w: tag number too long", errDERHeader)
			}
			c := b[i]
			i++
			if c&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return 0, true, nil
	}
	l := b[i]
	i++
	if l < 0x80 {
		return i + int(l), false, nil
	}
	n := int(l & 0x7F)
	switch {
	case n == 0:
		return 0, false, fmt.Errorf("%w: indefinite length", errDERHeader)
	case n > 4:
		return 0, false, fmt.Errorf("%w: %d length bytes", errDERHeader, n)
	}
	if i+n > len(b) {
		return 0, true, nil
	}
	size := 0
	for _, c := range b[i : i+n] {
		size = size<<8 | int(c)
	}
	if size < 0x80 || (n > 1 && b[i] == 0) {
		return 0, false, fmt.Errorf("%w: non-minimal length", errDERHeader)
	}
	if size > 1<<30 {
		return 0, false, fmt.Errorf("%w: length %d", errDERHeader, size)
	}
	return i + n + size, false, nil
}
