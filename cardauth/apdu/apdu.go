// Package apdu encodes and decodes ISO/IEC 7816-4 command and response APDUs.
//
// It is pure encoding: no I/O, no card knowledge. Short APDUs (Lc ≤ 255,
// Ne ≤ 256) are the default because phones and some card generations accept
// nothing else (jpki.md §2.2); extended length is available on request.
package apdu

import (
	"errors"
	"fmt"
)

// Limits of the two encodings (ISO/IEC 7816-4 §5.1).
const (
	MaxShortLc = 255
	MaxShortNe = 256
	MaxExtLc   = 65535
	MaxExtNe   = 65536
)

// Command is a command APDU.
//
// Ne is the number of response bytes expected: 0 means no Le field, 1–256
// fits a short Le (256 is sent as 00), up to 65536 needs extended length.
type Command struct {
	CLA, INS, P1, P2 byte
	Data             []byte
	Ne               int
	// Extended is set by ParseCommand when the command used extended
	// length fields. Encode uses it only as a request; see Encode.
	Extended bool
}

// ErrMalformed is wrapped by every decoding error of this package.
var ErrMalformed = errors.New("apdu: malformed")

// LengthError says a command does not fit the encoding it was asked for.
type LengthError struct {
	Lc, Ne   int
	Extended bool
}

func (e *LengthError) Error() string {
	kind := "short"
	if e.Extended {
		kind = "extended"
	}
	return fmt.Sprintf("apdu: Lc=%d Ne=%d do not fit a %s APDU", e.Lc, e.Ne, kind)
}

// Encode returns the command's bytes. It uses short length fields unless
// extended is true and the command does not fit a short APDU; it never
// silently switches to extended length.
func (c Command) Encode(extended bool) ([]byte, error) {
	lc, ne := len(c.Data), c.Ne
	if ne < 0 || ne > MaxExtNe || lc > MaxExtLc {
		return nil, &LengthError{Lc: lc, Ne: ne, Extended: true}
	}
	short := lc <= MaxShortLc && ne <= MaxShortNe
	if !short && !extended {
		return nil, &LengthError{Lc: lc, Ne: ne}
	}
	b := make([]byte, 0, 4+3+lc+3)
	b = append(b, c.CLA, c.INS, c.P1, c.P2)
	if short {
		if lc > 0 {
			b = append(b, byte(lc))
			b = append(b, c.Data...)
		}
		if ne > 0 {
			b = append(b, byte(ne)) // 256 wraps to 00, as the standard says
		}
		return b, nil
	}
	if lc > 0 {
		b = append(b, 0, byte(lc>>8), byte(lc))
		b = append(b, c.Data...)
	}
	if ne > 0 {
		if lc == 0 {
			b = append(b, 0)
		}
		b = append(b, byte(ne>>8), byte(ne)) // 65536 wraps to 00 00
	}
	return b, nil
}

// ParseCommand decodes a command APDU in any of the seven ISO cases.
// The returned Data aliases b.
func ParseCommand(b []byte) (Command, error) {
	if len(b) < 4 {
		return Command{}, fmt.Errorf("%w: command of %d bytes, need at least 4", ErrMalformed, len(b))
	}
	c := Command{CLA: b[0], INS: b[1], P1: b[2], P2: b[3]}
	body := b[4:]
	switch {
	case len(body) == 0: // case 1
		return c, nil
	case len(body) == 1: // case 2 short
		c.Ne = shortNe(body[0])
		return c, nil
	case body[0] != 0: // case 3 or 4 short
		lc := int(body[0])
		rest := body[1:]
		switch len(rest) {
		case lc:
			c.Data = rest
		case lc + 1:
			c.Data = rest[:lc]
			c.Ne = shortNe(rest[lc])
		default:
			return Command{}, fmt.Errorf("%w: Lc=%d but %d bytes follow", ErrMalformed, lc, len(rest))
		}
		return c, nil
	}
	// Extended length: body[0] == 0 and more than one byte.
	c.Extended = true
	if len(body) == 3 { // case 2 extended
		c.Ne = extNe(body[1], body[2])
		return c, nil
	}
	if len(body) < 3 {
		return Command{}, fmt.Errorf("%w: truncated extended length", ErrMalformed)
	}
	lc := int(body[1])<<8 | int(body[2])
	if lc == 0 {
		return Command{}, fmt.Errorf("%w: extended Lc of zero", ErrMalformed)
	}
	rest := body[3:]
	switch len(rest) {
	case lc:
		c.Data = rest
	case lc + 2:
		c.Data = rest[:lc]
		c.Ne = extNe(rest[lc], rest[lc+1])
	default:
		return Command{}, fmt.Errorf("%w: extended Lc=%d but %d bytes follow", ErrMalformed, lc, len(rest))
	}
	return c, nil
}

func shortNe(le byte) int {
	if le == 0 {
		return MaxShortNe
	}
	return int(le)
}

func extNe(hi, lo byte) int {
	n := int(hi)<<8 | int(lo)
	if n == 0 {
		return MaxExtNe
	}
	return n
}

// Response is a response APDU: data followed by the status word.
type Response struct {
	Data []byte
	SW   StatusWord
}

// ParseResponse splits a response APDU into data and status word.
// The returned Data aliases b.
func ParseResponse(b []byte) (Response, error) {
	if len(b) < 2 {
		return Response{}, fmt.Errorf("%w: response of %d bytes, need the 2-byte status word", ErrMalformed, len(b))
	}
	n := len(b) - 2
	return Response{Data: b[:n], SW: StatusWord(b[n])<<8 | StatusWord(b[n+1])}, nil
}

// Encode returns the response's bytes (data ‖ SW1 SW2).
func (r Response) Encode() []byte {
	b := make([]byte, 0, len(r.Data)+2)
	b = append(b, r.Data...)
	return append(b, r.SW.SW1(), r.SW.SW2())
}
