package apdu

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEncode(t *testing.T) {
	long := bytes.Repeat([]byte{0xAB}, 300)
	tests := []struct {
		name     string
		cmd      Command
		extended bool
		want     string
		err      bool
	}{
		{"case 1", Command{CLA: 0, INS: 0x20, P1: 0, P2: 0x80}, false, "00200080", false},
		{"case 2 Ne 256 as 00", Command{INS: 0xB0, Ne: 256}, false, "00b0000000", false},
		{"case 2 Ne 4", Command{INS: 0xB0, P1: 0x8A, Ne: 4}, false, "00b08a0004", false},
		{"case 3 select AP", Command{INS: 0xA4, P1: 4, P2: 0x0C, Data: mustHex(t, "d392f000260100000001")}, false, "00a4040c0ad392f000260100000001", false},
		{"case 4 sign", Command{CLA: 0x80, INS: 0x2A, P2: 0x80, Data: []byte{1, 2}, Ne: 256}, false, "802a0080020102" + "00", false},
		{"case 2 extended", Command{INS: 0xB0, Ne: 1000}, true, "00b000000003e8", false},
		{"case 2 extended 65536", Command{INS: 0xB0, Ne: 65536}, true, "00b00000000000", false},
		{"case 4 extended", Command{INS: 0x2A, Data: long, Ne: 256}, true, "002a0000" + "00012c" + hex.EncodeToString(long) + "0100", false},
		{"short fits stays short", Command{INS: 0xB0, Ne: 10}, true, "00b000000a", false},
		{"too long for short", Command{INS: 0xB0, Ne: 257}, false, "", true},
		{"data too long for short", Command{INS: 0xD6, Data: long}, false, "", true},
		{"negative Ne", Command{INS: 0xB0, Ne: -1}, true, "", true},
		{"Ne over extended", Command{INS: 0xB0, Ne: 65537}, true, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.cmd.Encode(tc.extended)
			if tc.err {
				var le *LengthError
				if !errors.As(err, &le) {
					t.Fatalf("err = %v, want *LengthError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(got) != tc.want {
				t.Fatalf("got %x, want %s", got, tc.want)
			}
			// Every encoding parses back to the same command.
			back, err := ParseCommand(got)
			if err != nil {
				t.Fatalf("parse back: %v", err)
			}
			if back.CLA != tc.cmd.CLA || back.INS != tc.cmd.INS || back.P1 != tc.cmd.P1 || back.P2 != tc.cmd.P2 ||
				!bytes.Equal(back.Data, tc.cmd.Data) || back.Ne != tc.cmd.Ne {
				t.Fatalf("parse back = %+v, want %+v", back, tc.cmd)
			}
		})
	}
}

func TestParseCommandMalformed(t *testing.T) {
	for _, s := range []string{
		"",
		"00",
		"00a404",
		"00a4040c05d392",           // Lc 5, 2 bytes follow
		"00a4040c02d392f000",       // Lc 2, 4 bytes follow
		"00b00000000a",             // extended header truncated (2 bytes after 00)
		"00d6000000000000",         // extended Lc zero
		"00d6000000000301",         // extended Lc 3, 1 byte follows
		"00d600000000020102ff",     // extended Lc 2 + one Le byte (needs two)
		"00d6000000000201020000ff", // trailing garbage
	} {
		if _, err := ParseCommand(mustHex(t, s)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseCommand(%s) err = %v, want ErrMalformed", s, err)
		}
	}
}

func TestParseResponse(t *testing.T) {
	r, err := ParseResponse(mustHex(t, "01029000"))
	if err != nil || !bytes.Equal(r.Data, []byte{1, 2}) || r.SW != SWOK {
		t.Fatalf("got %+v %v", r, err)
	}
	if !bytes.Equal(r.Encode(), mustHex(t, "01029000")) {
		t.Fatalf("encode = %x", r.Encode())
	}
	for _, s := range []string{"", "90"} {
		if _, err := ParseResponse(mustHex(t, s)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseResponse(%q) err = %v", s, err)
		}
	}
}

func TestStatusWord(t *testing.T) {
	if n, ok := StatusWord(0x63C2).Retries(); !ok || n != 2 {
		t.Errorf("63C2 retries = %d %v", n, ok)
	}
	if _, ok := StatusWord(0x6300).Retries(); ok {
		t.Error("6300 is not a 63Cx counter")
	}
	if n, ok := StatusWord(0x6100).MoreData(); !ok || n != 256 {
		t.Errorf("6100 = %d %v", n, ok)
	}
	if n, ok := StatusWord(0x6C10).WrongLe(); !ok || n != 16 {
		t.Errorf("6C10 = %d %v", n, ok)
	}
	if RetriesSW(3) != 0x63C3 || RetriesSW(-1) != 0x63C0 || RetriesSW(99) != 0x63CF {
		t.Error("RetriesSW clamps wrong")
	}
	if SWBlocked.String() != "6984" {
		t.Errorf("String = %s", SWBlocked)
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"00a4040c0ad392f000260100000001", "802a00973301020300", "00b00000000100", "00200080", "00"} {
		f.Add(mustHex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCommand(b)
		if err != nil {
			return
		}
		// A parsed command re-encodes to the same bytes, in the same form.
		got, err := c.Encode(c.Extended)
		if err != nil {
			t.Fatalf("re-encode %+v: %v", c, err)
		}
		if !c.Extended && !bytes.Equal(got, b) {
			t.Fatalf("re-encode %x != %x", got, b)
		}
	})
}

func FuzzParseResponse(f *testing.F) {
	f.Add(mustHex(f, "9000"))
	f.Add(mustHex(f, "30820100ff6100"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseResponse(b)
		if err != nil {
			return
		}
		if !bytes.Equal(r.Encode(), b) {
			t.Fatalf("round trip %x != %x", r.Encode(), b)
		}
	})
}
