package protocol

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/inkan-id/inkan/cardauth/clientdata"
)

// FuzzParseLink checks that ParseLink never panics, that whatever it
// accepts prints back to a link that parses to the same value, and that
// its origin is one client_data accepts.
func FuzzParseLink(f *testing.F) {
	good := "https://id.example.jp/bridge/v1/tx/" + testID + "#" + testSecret
	for _, s := range []string{
		good,
		"http://127.0.0.1:8080/idp/bridge/v1/tx/" + testID + "#" + testSecret,
		"https://[::1]:8443/bridge/v1/tx/" + testID + "#" + testSecret,
		"inkan://tx?link=" + url.QueryEscape(good),
		"https://id.example.jp/bridge/v1/tx/" + testID + "#",
		"https://u@id.example.jp:0443/bridge/v1/tx/x?y#z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLink(s)
		if err != nil {
			return
		}
		for _, form := range []string{l.String(), l.AppLink()} {
			back, err := ParseLink(form)
			if err != nil || *back != *l {
				t.Fatalf("%q: %q does not parse back: %+v %v", s, form, back, err)
			}
		}
		cd := clientdata.ClientData{Type: clientdata.TypeAuth, Origin: l.Origin(), TransactionID: l.ID, Nonce: make([]byte, 32), Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		if _, err := cd.Marshal(); err != nil {
			t.Fatalf("%q: origin %q not accepted by client_data: %v", s, l.Origin(), err)
		}
	})
}

// FuzzDecodeResponse checks that DecodeResponse never panics and that what
// it accepts re-encodes to a body that decodes to the same values.
func FuzzDecodeResponse(f *testing.F) {
	b, _ := json.Marshal(goodResponse())
	f.Add(b)
	f.Add([]byte(`{"client_data":"YQ","certificate":"YQ","signature":"YQ"}`))
	f.Add([]byte(`{"client_data":"YQ","client_data":"YQ"}`))
	f.Add([]byte(`{"client_data":null}`))
	f.Add([]byte(`[{"client_data":"YQ=="}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeResponse(b)
		if err != nil {
			return
		}
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeResponse(out)
		if err != nil {
			t.Fatalf("re-encoded body refused: %v", err)
		}
		if !bytes.Equal(back.ClientData, r.ClientData) || !bytes.Equal(back.Certificate, r.Certificate) || !bytes.Equal(back.Signature, r.Signature) {
			t.Fatal("values changed")
		}
	})
}

// FuzzBase64URL holds UnmarshalJSON to its definition: a JSON string whose
// every character is in the base64url alphabet and which decodes strictly,
// however JSON spells it.
func FuzzBase64URL(f *testing.F) {
	for _, s := range []string{`"Y2Q"`, `"Y2\u0051"`, `"Y2\nQ"`, `"Y2Q="`, `null`, `"+/"`, `""`, `"Y2R"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got Base64URL
		err := got.UnmarshalJSON(data)
		var s string
		want, werr := []byte(nil), json.Unmarshal(data, &s)
		if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
			// The decoder hands over the value alone, never with space
			// around it.
			werr = errNotBase64URL
		} else if werr == nil && !strings.ContainsFunc(s, func(r rune) bool { return r > 0x7f || !isBase64URL(byte(r)) }) {
			want, werr = base64.RawURLEncoding.Strict().DecodeString(s)
		} else if werr == nil {
			werr = errNotBase64URL
		}
		if (err == nil) != (werr == nil) {
			t.Fatalf("%q: error %v, reference %v", data, err, werr)
		}
		if err == nil && !bytes.Equal(got, want) {
			t.Fatalf("%q: %x, reference %x", data, got, want)
		}
	})
}
