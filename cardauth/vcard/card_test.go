package vcard

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/inkan-id/inkan/cardauth"
	"github.com/inkan-id/inkan/cardauth/apdu"
)

// step is one command and the answer a real card gives (as far as jpki.md
// knows; see the comments in the implementation for the uncertain ones).
type step struct {
	cmd  string
	sw   apdu.StatusWord
	data string // exact expected data in hex, if set
	n    int    // expected data length, if > 0
}

func ok(cmd string) step { return step{cmd: cmd, sw: apdu.SWOK} }

func pad(s string, n int) string {
	return fmt.Sprintf("% X", []byte(s+strings.Repeat(" ", n-len(s))))
}

func TestScripts(t *testing.T) {
	noSign := func(f *File) { f.Sign = nil }
	profile := func(p string) func(*File) { return func(f *File) { f.Profile = p } }
	signLen := func() int { return len(testFile(t).Sign.Certificate) }

	tests := []struct {
		name  string
		mod   func(*File)
		steps []step
	}{
		{name: "select AP", steps: []step{ok(cSelectAP), ok(cSelectAP)}},
		{name: "select unknown AID", steps: []step{
			{cmd: "00 A4 04 0C 07 A0 00 00 00 03 10 10", sw: 0x6A82},       // an AID this card lacks
			{cmd: "00 A4 04 0C 09 D3 92 F0 00 26 01 00 00 00", sw: 0x6A82}, // prefix only
			{cmd: "00 A4 04 0C 0B D3 92 F0 00 26 01 00 00 00 01 00", sw: 0x6A82},
		}},
		{name: "select AP wrong P2 or length", steps: []step{
			{cmd: "00 A4 04 00 0A D3 92 F0 00 26 01 00 00 00 01", sw: 0x6A86},
			{cmd: "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01 00", sw: 0x6700},
			{cmd: "00 A4 04 0C", sw: 0x6700},
		}},
		{name: "select EF", steps: []step{
			ok(cSelectAP), ok(cSelAuthCert), ok(cSelToken), ok(cSelAuthKey), ok(cSelSignPIN),
			{cmd: "00 A4 02 0C 02 00 09", sw: 0x6A82},
			{cmd: "00 A4 02 0C 02 3F 00", sw: 0x6A82},
			{cmd: "00 A4 02 0C 01 0A", sw: 0x6700},
			{cmd: "00 A4 02 0C 03 00 0A 00", sw: 0x6700},
			{cmd: "00 A4 02 00 02 00 0A", sw: 0x6A86},
			{cmd: "00 A4 02 0C 02 00 0A 00", sw: 0x6700},
		}},
		{name: "select EF without DF", steps: []step{
			{cmd: cSelAuthCert, sw: 0x6A82},
			{cmd: cRead4, sw: 0x6986},
		}},
		{name: "failed select EF keeps current EF", steps: []step{
			ok(cSelectAP), ok(cSelFlags),
			{cmd: "00 A4 02 0C 02 00 09", sw: 0x6A82},
			{cmd: "00 B0 00 00 03", sw: 0x9000, data: "8F 8F 00"},
		}},
		{name: "select MF", steps: []step{
			{cmd: "00 A4 00 00", sw: 0x6A86},
			ok(cSelectAP), ok(cSelFlags),
			ok("00 A4 00 00"),
			{cmd: "00 B0 00 00 03", sw: 0x9000, data: "8F 8F 00"}, // no-op: EF still current
			{cmd: "00 A4 00 0C 02 3F 00", sw: 0x6A82},
		}},
		{name: "select by path and other P1", steps: []step{
			ok(cSelectAP),
			{cmd: "00 A4 09 0C 02 00 0A", sw: 0x6A86},
			{cmd: "00 A4 08 0C 02 00 0A", sw: 0x6A86},
			{cmd: "00 A4 01 0C 02 00 0A", sw: 0x6A86},
		}},
		{name: "class byte", steps: []step{
			{cmd: "01 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01", sw: 0x6881},
			{cmd: "03 B0 00 00 04", sw: 0x6881},
			{cmd: "81 2A 00 80 01 00 00", sw: 0x6881},
			{cmd: "0C A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01", sw: 0x6882},
			{cmd: "08 A4 02 0C 02 00 0A", sw: 0x6882},
			{cmd: "0C B0 00 00 04", sw: 0x69FC},
			{cmd: "08 20 00 80", sw: 0x69FC},
			{cmd: "8C 2A 00 80 01 00 00", sw: 0x69FC},
			{cmd: "10 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01", sw: 0x6E00},
			{cmd: "A0 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01", sw: 0x6E00},
			{cmd: "FF CA 00 00 00", sw: 0x6E00},
			{cmd: "90 2A 00 80 01 00 00", sw: 0x6E00},
		}},
		{name: "unknown instruction", steps: []step{
			ok(cSelectAP),
			{cmd: "00 88 00 80 04 01 02 03 04 00", sw: 0x6D00},
			{cmd: "00 2A 00 80 01 00 00", sw: 0x6D00}, // 2A is JPKI only with CLA 80
			{cmd: "80 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01", sw: 0x6D00},
			{cmd: "80 B0 00 00 04", sw: 0x6D00},
			{cmd: "00 B1 00 00 04", sw: 0x6D00},
			{cmd: "00 0E 00 00", sw: 0x6D00},
		}},
		{name: "token info card", steps: []step{
			ok(cSelectAP), ok(cSelToken),
			{cmd: "00 B0 00 00 20", sw: 0x9000, data: pad("JPKIAPICCTOKEN2", 32)},
			{cmd: cRead256, sw: 0x9000, n: 160},
			{cmd: "00 B0 00 A0 01", sw: 0x6B00},
		}},
		{name: "token info android", mod: profile(ProfileAndroidSE), steps: []step{
			ok(cSelectAP), ok(cSelToken),
			{cmd: "00 B0 00 00 20", sw: 0x9000, data: pad("JPKIAPGPSETOKEN", 32)},
		}},
		{name: "token info iphone", mod: profile(ProfileIPhone), steps: []step{
			ok(cSelectAP), ok(cSelToken),
			{cmd: "00 B0 00 00 20", sw: 0x9000, data: pad("JPKIAPIOSTOKEN", 32)},
		}},
		{name: "cert flags", steps: []step{
			ok(cSelectAP), ok(cSelFlags), {cmd: cRead256, sw: 0x9000, data: "8F 8F 00"},
		}},
		{name: "cert flags without sign cert", mod: noSign, steps: []step{
			ok(cSelectAP), ok(cSelFlags), {cmd: cRead256, sw: 0x9000, data: "00 8F 00"},
			{cmd: cSelSignCert, sw: 0x6A82},
			{cmd: cSelSignPIN, sw: 0x6A82},
			{cmd: cSelSignKey, sw: 0x6A82},
			{cmd: "00 20 00 9B", sw: 0x6A88},
			{cmd: "80 2A 00 9A 01 00 00", sw: 0x6A88},
		}},
		{name: "read binary offset form", steps: []step{
			ok(cSelectAP), ok(cSelAuthCert),
			{cmd: "00 B0 00 00 01", sw: 0x9000, data: "30"},
			{cmd: "00 B0 00 00 00", sw: 0x9000, n: 256},
			{cmd: "00 B0 7F FF 01", sw: 0x6B00},
			{cmd: "00 B0 00 00", sw: 0x6700},          // no Le
			{cmd: "00 B0 00 00 01 00", sw: 0x6700},    // data on B0
			{cmd: "00 B0 00 00 00 01 00", sw: 0x6700}, // extended Le, option off
		}},
		{name: "read binary SFI form", steps: []step{
			{cmd: "00 B0 8A 00 04", sw: 0x6A82}, // no DF
			ok(cSelectAP),
			{cmd: "00 B0 86 00 20", sw: 0x9000, data: pad("JPKIAPICCTOKEN2", 32)},
			{cmd: "00 B0 00 20 10", sw: 0x9000, n: 16}, // SFI read selected 0006
			{cmd: "00 B0 89 00 04", sw: 0x6A82},
			{cmd: "00 B0 80 00 04", sw: 0x6A86},
			{cmd: "00 B0 A6 00 04", sw: 0x6A86},
			{cmd: "00 B0 C6 00 04", sw: 0x6A86},
			{cmd: "00 B0 86 A0 01", sw: 0x6B00},
		}},
		{name: "internal EFs are not readable", steps: []step{
			ok(cSelectAP),
			ok(cSelAuthKey), {cmd: cRead4, sw: 0x6981},
			ok(cSelAuthPIN), {cmd: cRead4, sw: 0x6981},
			ok(cSelSignKey), {cmd: cRead4, sw: 0x6981},
			ok(cSelSignPIN), {cmd: cRead4, sw: 0x6981},
			{cmd: "00 B0 97 00 04", sw: 0x6981},
			{cmd: "00 B0 98 00 04", sw: 0x6981},
			ok(cAuthOK), // even verified
			ok(cSelAuthKey), {cmd: cRead4, sw: 0x6981},
		}},
		{name: "sign cert needs password", steps: []step{
			ok(cSelectAP), ok(cSelSignCert),
			{cmd: cRead4, sw: 0x6982},
			{cmd: "00 B0 81 00 04", sw: 0x6982},
			ok(cSelSignPIN), ok("00 20 00 9B 06 41 42 43 31 32 33"),
			ok(cSelSignCert), {cmd: cRead4, sw: 0x9000, n: 4},
			ok(cSelectAP), ok(cSelSignCert), {cmd: cRead4, sw: 0x6982}, // re-select drops it
		}},
		{name: "auth PIN does not open sign cert", steps: []step{
			ok(cSelectAP), ok(cSelAuthPIN), ok(cAuthOK), ok(cSelSignCert), {cmd: cRead4, sw: 0x6982},
		}},
		{name: "CA certs and auth cert are free on card", steps: []step{
			ok(cSelectAP),
			ok(cSelAuthCert), {cmd: cRead4, sw: 0x9000, n: 4},
			ok(cSelAuthCA), {cmd: cRead4, sw: 0x9000, n: 4},
			ok(cSelSignCA), {cmd: cRead4, sw: 0x9000, n: 4},
		}},
		{name: "android auth cert needs PIN", mod: profile(ProfileAndroidSE), steps: []step{
			ok(cSelectAP), ok(cSelAuthCert), {cmd: cRead4, sw: 0x6982},
			{cmd: "00 B0 8A 00 04", sw: 0x6982},
			ok("00 20 00 98 04 31 32 33 34"),
			{cmd: "00 B0 8A 00 04", sw: 0x9000, n: 4},
			ok(cSelAuthCA), {cmd: cRead4, sw: 0x9000, n: 4},
		}},
		{name: "verify query", steps: []step{
			ok(cSelectAP),
			{cmd: cQuery, sw: 0x6986}, // no current EF
			ok(cSelAuthCert), {cmd: cQuery, sw: 0x6986},
			ok(cSelAuthKey), {cmd: cQuery, sw: 0x6986},
			ok(cSelAuthPIN), {cmd: cQuery, sw: 0x63C3},
			ok(cSelSignPIN), {cmd: cQuery, sw: 0x63C5},
			{cmd: "00 20 00 98", sw: 0x63C3},
			{cmd: "00 20 00 9B", sw: 0x63C5},
			{cmd: "00 20 00 97", sw: 0x6A88},
			{cmd: "00 20 00 8A", sw: 0x6A88},
			{cmd: "00 20 00 00", sw: 0x6A86},
			{cmd: "00 20 00 A0", sw: 0x6A86},
			{cmd: "00 20 01 80", sw: 0x6A86},
			{cmd: "00 20 00 80 00", sw: 0x6700}, // Le on VERIFY
		}},
		{name: "verify without DF", steps: []step{
			{cmd: cQuery, sw: 0x6986},
			{cmd: "00 20 00 98", sw: 0x6A88},
			{cmd: "00 20 00 98 04 31 32 33 34", sw: 0x6A88},
		}},
		{name: "verify auth", steps: []step{
			ok(cSelectAP), ok(cSelAuthPIN),
			{cmd: cAuthBad, sw: 0x63C2},
			{cmd: cQuery, sw: 0x63C2},
			ok(cAuthOK),
			{cmd: cQuery, sw: 0x63C3}, // success restores the counter
		}},
		{name: "auth lockout", steps: []step{
			ok(cSelectAP), ok(cSelAuthPIN),
			{cmd: cAuthBad, sw: 0x63C2},
			{cmd: cAuthBad, sw: 0x63C1},
			{cmd: cAuthBad, sw: 0x63C0},
			{cmd: cAuthOK, sw: 0x6984}, // even the right PIN
			{cmd: cAuthBad, sw: 0x6984},
			{cmd: cQuery, sw: 0x63C0},
			ok(cSelectAP), ok(cSelAuthPIN),
			{cmd: cAuthOK, sw: 0x6984}, // re-select does not unblock
			{cmd: "00 20 00 98 04 31 32 33 34", sw: 0x6984},
			ok(cSelAuthKey), {cmd: cSign80, sw: 0x6982},
		}},
		{name: "sign lockout", steps: []step{
			ok(cSelectAP), ok(cSelSignPIN),
			{cmd: cSignBad, sw: 0x63C4},
			{cmd: cSignBad, sw: 0x63C3},
			{cmd: cSignBad, sw: 0x63C2},
			{cmd: cSignBad, sw: 0x63C1},
			{cmd: cSignBad, sw: 0x63C0},
			{cmd: cSignOK, sw: 0x6984},
			{cmd: cQuery, sw: 0x63C0},
			ok(cSelAuthPIN), {cmd: cQuery, sw: 0x63C3}, // independent counters
		}},
		{name: "wrong PIN length costs a try", steps: []step{
			ok(cSelectAP), ok(cSelAuthPIN),
			{cmd: "00 20 00 80 03 31 32 33", sw: 0x63C2},
			{cmd: "00 20 00 80 05 31 32 33 34 35", sw: 0x63C1},
			ok(cAuthOK),
		}},
		{name: "lower-case password is wrong", steps: []step{
			ok(cSelectAP), ok(cSelSignPIN),
			{cmd: "00 20 00 80 06 61 62 63 31 32 33", sw: 0x63C4},
		}},
		{name: "failed verify drops earlier success", steps: []step{
			ok(cSelectAP), ok(cSelAuthPIN), ok(cAuthOK),
			{cmd: cAuthBad, sw: 0x63C2},
			ok(cSelAuthKey), {cmd: cSign80, sw: 0x6982},
		}},
		{name: "empty verify after success", steps: []step{
			ok(cSelectAP), ok(cSelAuthPIN), ok(cAuthOK), {cmd: cQuery, sw: 0x63C3},
		}},
		{name: "empty verify after success, option", mod: func(f *File) { f.EmptyVerifyOK = true }, steps: []step{
			ok(cSelectAP), ok(cSelAuthPIN), {cmd: cQuery, sw: 0x63C3}, ok(cAuthOK), ok(cQuery),
		}},
		{name: "change PIN", steps: []step{
			ok(cSelectAP), ok(cSelAuthPIN),
			{cmd: "00 24 01 80 04 35 36 37 38", sw: 0x6982},
			ok(cAuthOK),
			{cmd: "00 24 01 80 03 35 36 37", sw: 0x6700},
			{cmd: "00 24 01 80 04 35 36 37 41", sw: 0x6A80},
			{cmd: "00 24 00 80 08 31 32 33 34 35 36 37 38", sw: 0x6A86},
			{cmd: "00 24 01 80", sw: 0x6700},
			ok("00 24 01 80 04 35 36 37 38"),
			ok(cSelectAP), ok(cSelAuthPIN),
			{cmd: cAuthOK, sw: 0x63C2},
			ok("00 20 00 80 04 35 36 37 38"),
		}},
		{name: "change password", steps: []step{
			ok(cSelectAP), ok(cSelSignPIN), ok(cSignOK),
			{cmd: "00 24 01 9B 06 41 42 43 44 45 46", sw: 0x6A80}, // no digit
			{cmd: "00 24 01 9B 05 41 42 43 31 32", sw: 0x6700},
			ok("00 24 01 9B 07 58 59 5A 37 38 39 30"),
			ok(cSelectAP), ok("00 20 00 9B 07 58 59 5A 37 38 39 30"),
		}},
		{name: "sign with auth key", steps: []step{
			ok(cSelectAP), ok(cSelAuthKey),
			{cmd: cSign80, sw: 0x6982},
			ok(cSelAuthPIN), ok(cAuthOK),
			{cmd: cSign80, sw: 0x6986}, // PIN EF current, not key EF
			ok(cSelAuthKey),
			{cmd: cSign80, sw: 0x9000, n: 256},
			{cmd: cSign97, sw: 0x9000, n: 256},
			{cmd: cSign9A, sw: 0x6982}, // sign key needs the password
			ok(cSelAuthCert), {cmd: cSign80, sw: 0x6986},
			{cmd: "80 2A 00 98 33 " + cDigestInfo + " 00", sw: 0x6A88},
			{cmd: "80 2A 00 00 33 " + cDigestInfo + " 00", sw: 0x6A86},
		}},
		{name: "sign with sign key", steps: []step{
			ok(cSelectAP), ok(cSelSignPIN), ok(cSignOK),
			{cmd: cSign97, sw: 0x6982},
			ok(cSelSignKey), {cmd: cSign80, sw: 0x9000, n: 256},
			{cmd: cSign9A, sw: 0x9000, n: 256},
		}},
		{name: "sign lengths and P1", steps: []step{
			ok(cSelectAP), ok("00 20 00 98 04 31 32 33 34"), ok(cSelAuthKey),
			{cmd: "80 2A 01 80 33 " + cDigestInfo + " 00", sw: 0x6A86},
			{cmd: "80 2A 06 80 33 " + cDigestInfo + " 00", sw: 0x6A86},
			{cmd: "80 2A 00 80 33 " + cDigestInfo, sw: 0x6700},         // no Le
			{cmd: "80 2A 00 80 33 " + cDigestInfo + " 80", sw: 0x6C00}, // short Le
			{cmd: "80 2A 00 80 00", sw: 0x6700},                        // no data
			{cmd: "80 2A 00 80 F5 " + strings.Repeat("AB ", 245) + "00", sw: 0x9000, n: 256},
			{cmd: "80 2A 00 80 F6 " + strings.Repeat("AB ", 246) + "00", sw: 0x6700},
			{cmd: "80 2A 00 80 01 00 00", sw: 0x9000, n: 256},
		}},
		{name: "reset drops security state", steps: []step{
			ok(cSelectAP), ok(cSelAuthPIN), ok(cAuthOK), ok(cSelectAP), ok(cSelAuthKey),
			{cmd: cSign80, sw: 0x6982},
		}},
		{name: "get challenge", steps: []step{
			{cmd: "00 84 00 00 08", sw: 0x9000, n: 8},
			{cmd: "00 84 00 00 00", sw: 0x9000, n: 256},
			{cmd: "00 84 00 00", sw: 0x6700},
			{cmd: "00 84 01 00 08", sw: 0x6A86},
			{cmd: "00 84 00 00 00 01 00", sw: 0x6700},
		}},
		{name: "get challenge extended", mod: func(f *File) { f.ExtendedLength = true }, steps: []step{
			{cmd: "00 84 00 00 00 01 00", sw: 0x6985},
		}},
		{name: "get response without data", steps: []step{{cmd: "00 C0 00 00 10", sw: 0x6985}}},
		{name: "get data", steps: []step{
			{cmd: "00 CA 5F 51 00", sw: 0x9000, data: "E0 00 FF 81 31 FE 45 14"},
			{cmd: "00 CA 01 01 00", sw: 0x6A88},
			ok(cSelectAP),
			{cmd: "00 CA 5F 51 00", sw: 0x6985},
		}},
		{name: "last command on card", steps: []step{ok(cSelectAP), {cmd: "80 FC 00 00", sw: 0x6700}}},
		{name: "last command on iphone", mod: profile(ProfileIPhone), steps: []step{
			ok(cSelectAP), ok("80 FC 00 00"), {cmd: "80 FC 01 00", sw: 0x6A86},
		}},
		{name: "extended read", mod: func(f *File) { f.ExtendedLength = true }, steps: []step{
			ok(cSelectAP), ok(cSelSignPIN), ok(cSignOK),
			{cmd: "00 B0 81 00 00 00 00", sw: 0x9000, n: signLen()},
			{cmd: "00 B0 00 00 00 01 00", sw: 0x9000, n: 256},
		}},
		{name: "filler", mod: func(f *File) { f.Filler = 32 }, steps: []step{
			ok(cSelectAP), ok(cSelAuthCA),
			{cmd: fmt.Sprintf("00 B0 %04X 20", len(testFile(t).Auth.CACertificate)), sw: 0x9000, data: strings.Repeat("FF ", 32)},
			{cmd: fmt.Sprintf("00 B0 %04X 01", len(testFile(t).Auth.CACertificate)+32), sw: 0x6B00},
		}},
		{name: "malformed", steps: []step{
			{cmd: "", sw: 0x6700},
			{cmd: "00", sw: 0x6700},
			{cmd: "00 A4 04", sw: 0x6700},
			{cmd: "00 A4 04 0C 0A D3 92", sw: 0x6700}, // truncated
			{cmd: "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01 00 00", sw: 0x6700}, // over-long
			{cmd: "00 A4 04 0C 00 00", sw: 0x6700},
			{cmd: "00 20 00 80 00 00 04 31 32 33 34", sw: 0x6700}, // extended, option off
			{cmd: "00 B0 00 00 00 00", sw: 0x6700},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := testFile(t)
			if tt.mod != nil {
				tt.mod(f)
			}
			c := New(f)
			for i, s := range tt.steps {
				data, got := send(t, c, s.cmd)
				if got != s.sw {
					t.Fatalf("step %d %s: SW %v, want %v", i, s.cmd, got, s.sw)
				}
				if s.data != "" && !bytes.Equal(data, h(s.data)) {
					t.Fatalf("step %d %s: data % X, want %s", i, s.cmd, data, s.data)
				}
				if s.n > 0 && len(data) != s.n {
					t.Fatalf("step %d %s: %d data bytes, want %d", i, s.cmd, len(data), s.n)
				}
				if s.data == "" && s.n == 0 && len(data) != 0 {
					t.Fatalf("step %d %s: unexpected data % X", i, s.cmd, data)
				}
			}
		})
	}
}

// readAll reads the current EF in 256-byte chunks, as clients do.
func readAll(t *testing.T, c *Card) []byte {
	t.Helper()
	var out []byte
	for off := 0; ; off += 256 {
		data, s := send(t, c, fmt.Sprintf("00 B0 %04X 00", off))
		if s == apdu.SWOffsetBeyondEF {
			return out
		}
		if s != apdu.SWOK {
			t.Fatalf("read at %d: %v", off, s)
		}
		out = append(out, data...)
		if len(data) < 256 {
			return out
		}
	}
}

func TestReadCertificates(t *testing.T) {
	f := testFile(t)
	c := New(f)
	send(t, c, cSelectAP)
	for _, tc := range []struct {
		sel  string
		want []byte
	}{
		{cSelAuthCert, f.Auth.Certificate},
		{cSelAuthCA, f.Auth.CACertificate},
		{cSelSignCA, f.Sign.CACertificate},
	} {
		send(t, c, tc.sel)
		if got := readAll(t, c); !bytes.Equal(got, tc.want) {
			t.Errorf("%s: read %d bytes, differ from the %d-byte DER", tc.sel, len(got), len(tc.want))
		}
	}
	send(t, c, cSelSignPIN)
	send(t, c, cSignOK)
	send(t, c, cSelSignCert)
	if got := readAll(t, c); !bytes.Equal(got, f.Sign.Certificate) {
		t.Error("sign certificate differs")
	}
}

func TestSignatureVerifies(t *testing.T) {
	f := testFile(t)
	c := New(f)
	for _, tc := range []struct {
		name, verify, key string
		cert              []byte
	}{
		{"auth", cAuthOK, cSelAuthKey, f.Auth.Certificate},
		{"sign", cSignOK, cSelSignKey, f.Sign.Certificate},
	} {
		send(t, c, cSelectAP)
		if tc.name == "auth" {
			send(t, c, cSelAuthPIN)
		} else {
			send(t, c, cSelSignPIN)
		}
		if _, s := send(t, c, tc.verify); s != apdu.SWOK {
			t.Fatalf("%s verify: %v", tc.name, s)
		}
		send(t, c, tc.key)
		sig, s := send(t, c, cSign80)
		if s != apdu.SWOK {
			t.Fatalf("%s sign: %v", tc.name, s)
		}
		cert, _ := x509.ParseCertificate(tc.cert)
		// Hash 0: the card padded the DigestInfo bytes as given, so a
		// standard verifier accepts it over the DigestInfo.
		if err := rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.Hash(0), h(cDigestInfo), sig); err != nil {
			t.Errorf("%s: signature does not verify: %v", tc.name, err)
		}
		// And as sha256WithRSAEncryption over the hash inside it.
		if err := rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, h(cDigestInfo)[19:], sig); err != nil {
			t.Errorf("%s: not a SHA-256 PKCS#1 signature: %v", tc.name, err)
		}
	}
	if got := c.Stats().Signatures; got != 2 {
		t.Errorf("Stats().Signatures = %d, want 2", got)
	}
}

func TestPower(t *testing.T) {
	c := New(testFile(t))
	if !c.Powered() {
		t.Fatal("new card not powered")
	}
	if !bytes.Equal(c.ATR(), DefaultATR) {
		t.Errorf("ATR % X", c.ATR())
	}
	send(t, c, cSelectAP)
	send(t, c, "00 20 00 98 04 31 32 33 34")
	c.Reset()
	if _, s := send(t, c, "00 A4 00 00"); s != 0x6A86 {
		t.Errorf("MF after reset: %v", s)
	}
	if _, s := send(t, c, cSelAuthKey); s != apdu.SWFileNotFound {
		t.Errorf("select EF after reset: %v, want 6A82 (ISD current)", s)
	}
	send(t, c, cSelectAP)
	send(t, c, "00 20 00 98 04 31 32 33 34")
	c.PowerOff()
	_, err := c.Transmit(context.Background(), h(cSelectAP))
	if !errors.Is(err, cardauth.ErrCardGone) {
		t.Fatalf("Transmit while off: %v, want ErrCardGone", err)
	}
	c.PowerOn()
	send(t, c, cSelectAP)
	send(t, c, cSelAuthKey)
	if _, s := send(t, c, cSign80); s != apdu.SWSecurityStatus {
		t.Errorf("sign after power cycle: %v, want 6982", s)
	}

	f := testFile(t)
	f.ATR = h("3B 88 80 01 00 00 05 E0 B3 81 A1 00 7F")
	if got := New(f).ATR(); !bytes.Equal(got, f.ATR) {
		t.Errorf("configured ATR: % X", got)
	}
}

func TestNewCopiesFile(t *testing.T) {
	f := testFile(t)
	c := New(f)
	send(t, c, cSelectAP)
	send(t, c, cSelAuthPIN)
	send(t, c, cAuthBad)
	if f.Auth.TriesLeft != MaxAuthTries {
		t.Error("New shares the caller's File")
	}
	if got := c.File().Auth.TriesLeft; got != 2 {
		t.Errorf("File().Auth.TriesLeft = %d, want 2", got)
	}
}

func TestBrokenKeyAnswersKeyNotSet(t *testing.T) {
	f := testFile(t)
	f.Auth.PrivateKey = []byte{1, 2, 3}
	c := New(f)
	send(t, c, cSelectAP)
	send(t, c, "00 20 00 98 04 31 32 33 34")
	if _, s := send(t, c, cSign97); s != apdu.SWKeyNotSet {
		t.Errorf("sign with unparsable key: %v, want 6A88", s)
	}
}
