package clientdata

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// exampleJSON and exampleSHA256 are the worked example of
// docs/client-data.md; TestDocExample keeps the two in step.
const (
	exampleJSON   = `{"type":"inkan.bridge.auth.v1","origin":"https://id.example.jp","tx":"Yq3kT0a8Wz1bN5cR","nonce":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8","time":"2026-11-27T07:30:00Z"}`
	exampleSHA256 = "4cb9ec456154a422728c06c723971b56840aabc6b5bd1245a802c42db0f0e0af"
)

func example() ClientData {
	n := make([]byte, NonceSize)
	for i := range n {
		n[i] = byte(i)
	}
	return ClientData{
		Type:          TypeAuth,
		Origin:        "https://id.example.jp",
		TransactionID: "Yq3kT0a8Wz1bN5cR",
		Nonce:         n,
		Time:          time.Date(2026, 11, 27, 7, 30, 0, 0, time.UTC),
	}
}

func TestMarshalExample(t *testing.T) {
	b, err := example().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != exampleJSON {
		t.Fatalf("got  %s\nwant %s", b, exampleJSON)
	}
	sum := sha256.Sum256(b)
	if hex.EncodeToString(sum[:]) != exampleSHA256 {
		t.Fatalf("sha256 = %x", sum)
	}
	c, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.Nonce, example().Nonce) || !c.Time.Equal(example().Time) || c.Origin != example().Origin {
		t.Fatalf("parsed %+v", c)
	}
}

func TestDocExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/client-data.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{exampleJSON, exampleSHA256, "3031300d060960864801650304020105000420" + exampleSHA256} {
		if !bytes.Contains(doc, []byte(s)) {
			t.Errorf("docs/client-data.md lacks %s", s)
		}
	}
}

func TestMarshalTime(t *testing.T) {
	c := example()
	// Another zone and a fraction of a second: written as UTC, whole seconds.
	c.Time = time.Date(2026, 11, 27, 16, 30, 0, 999_000_000, time.FixedZone("JST", 9*3600))
	b, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != exampleJSON {
		t.Fatalf("got %s", b)
	}
}

func TestMarshalRejects(t *testing.T) {
	cases := map[string]struct {
		field string
		edit  func(*ClientData)
	}{
		"unknown type":       {"type", func(c *ClientData) { c.Type = "webauthn.get" }},
		"origin uppercase":   {"origin", func(c *ClientData) { c.Origin = "https://ID.example.jp" }},
		"origin path":        {"origin", func(c *ClientData) { c.Origin = "https://id.example.jp/" }},
		"origin query":       {"origin", func(c *ClientData) { c.Origin = "https://id.example.jp?x" }},
		"origin userinfo":    {"origin", func(c *ClientData) { c.Origin = "https://a@id.example.jp" }},
		"origin default":     {"origin", func(c *ClientData) { c.Origin = "https://id.example.jp:443" }},
		"origin port 0":      {"origin", func(c *ClientData) { c.Origin = "https://id.example.jp:0" }},
		"origin port lead 0": {"origin", func(c *ClientData) { c.Origin = "https://id.example.jp:0443" }},
		"origin port big":    {"origin", func(c *ClientData) { c.Origin = "https://id.example.jp:65536" }},
		"origin trailing .":  {"origin", func(c *ClientData) { c.Origin = "https://id.example.jp." }},
		"origin ftp":         {"origin", func(c *ClientData) { c.Origin = "ftp://id.example.jp" }},
		"origin quote":       {"origin", func(c *ClientData) { c.Origin = `https://id"example.jp` }},
		"origin backslash":   {"origin", func(c *ClientData) { c.Origin = `https://id\example.jp` }},
		"origin empty host":  {"origin", func(c *ClientData) { c.Origin = "https://" }},
		"origin bad v6":      {"origin", func(c *ClientData) { c.Origin = "https://[::g]" }},
		"origin too long":    {"origin", func(c *ClientData) { c.Origin = "https://" + strings.Repeat("a.", 130) + "jp" }},
		"tx short":           {"tx", func(c *ClientData) { c.TransactionID = "abc" }},
		"tx long":            {"tx", func(c *ClientData) { c.TransactionID = strings.Repeat("a", 65) }},
		"tx padding":         {"tx", func(c *ClientData) { c.TransactionID = "Yq3kT0a8Wz1bN5cR=" }},
		"tx plus":            {"tx", func(c *ClientData) { c.TransactionID = "Yq3kT0a8Wz1bN5c+" }},
		"nonce short":        {"nonce", func(c *ClientData) { c.Nonce = c.Nonce[:31] }},
		"nonce nil":          {"nonce", func(c *ClientData) { c.Nonce = nil }},
		"time zero":          {"time", func(c *ClientData) { c.Time = time.Time{} }},
		"time year 10000":    {"time", func(c *ClientData) { c.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := example()
			tc.edit(&c)
			_, err := c.Marshal()
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("got %v, want FieldError on %s", err, tc.field)
			}
		})
	}
}

func TestMarshalAccepts(t *testing.T) {
	for _, o := range []string{
		"http://127.0.0.1:8080", "https://[::1]:8443", "http://localhost", "https://xn--eckwd4c7c.example.jp",
	} {
		c := example()
		c.Origin = o
		c.Type = TypeSign
		c.TransactionID = strings.Repeat("-_", 32)
		b, err := c.Marshal()
		if err != nil {
			t.Errorf("%s: %v", o, err)
			continue
		}
		if _, err := Parse(b); err != nil {
			t.Errorf("%s: Parse: %v", o, err)
		}
	}
}

// kind names the error type a Parse case expects.
type kind int

const (
	kindOK kind = iota
	kindTooLarge
	kindSyntax
	kindField
	kindNonCanonical
)

func classify(err error) kind {
	var fe *FieldError
	var se *SyntaxError
	var ne *NonCanonicalError
	switch {
	case err == nil:
		return kindOK
	case errors.Is(err, ErrTooLarge):
		return kindTooLarge
	case errors.As(err, &se):
		return kindSyntax
	case errors.As(err, &fe):
		return kindField
	case errors.As(err, &ne):
		return kindNonCanonical
	}
	return -1
}

func TestParse(t *testing.T) {
	ex := exampleJSON
	rep := func(old, new string) string { return strings.Replace(ex, old, new, 1) }
	cases := []struct {
		name string
		in   string
		want kind
	}{
		{"example", ex, kindOK},
		{"too large", ex + strings.Repeat(" ", MaxSize), kindTooLarge},
		{"empty", "", kindSyntax},
		{"array", `[]`, kindSyntax},
		{"string", `"x"`, kindSyntax},
		{"truncated", ex[:len(ex)-1], kindSyntax},
		{"two objects", ex + ex, kindSyntax},
		{"trailing garbage", ex + "x", kindSyntax},
		{"unknown key", rep(`{"type"`, `{"extra":"1","type"`), kindField},
		{"duplicate key", rep(`"tx":`, `"tx":"Yq3kT0a8Wz1bN5cR","tx":`), kindField},
		{"missing key", rep(`,"time":"2026-11-27T07:30:00Z"`, ""), kindField},
		{"number value", rep(`"2026-11-27T07:30:00Z"`, `1795771800`), kindField},
		{"null value", rep(`"inkan.bridge.auth.v1"`, `null`), kindField},
		{"object value", rep(`"https://id.example.jp"`, `{}`), kindField},
		{"bad type", rep("auth.v1", "auth.v2"), kindField},
		{"bad origin", rep("https://id.example.jp", "https://id.example.jp/x"), kindField},
		{"escaped quote in origin", rep("https://id.example.jp", `https://id.exa\"mple.jp`), kindField},
		{"nonce 44 chars padded", rep("Hh8", "Hh8="), kindField},
		{"nonce std alphabet", rep("AAECAwQF", "AAECAwQ+"), kindField},
		{"nonce nonzero tail bits", rep("Hh8\"", "Hh9\""), kindField},
		{"time without Z", rep("07:30:00Z", "07:30:00+00:00"), kindField},
		{"time lowercase t", rep("27T07", "27t07"), kindField},
		{"time Feb 30", rep("2026-11-27", "2026-02-30"), kindField},
		{"time fraction", rep("07:30:00Z", "07:30:00.0Z"), kindNonCanonical},
		{"whitespace", rep(`,"origin"`, `, "origin"`), kindNonCanonical},
		{"trailing newline", ex + "\n", kindNonCanonical},
		{"leading space", " " + ex, kindNonCanonical},
		{"key order", `{"origin":"https://id.example.jp","type":"inkan.bridge.auth.v1","tx":"Yq3kT0a8Wz1bN5cR","nonce":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8","time":"2026-11-27T07:30:00Z"}`, kindNonCanonical},
		{"unicode escape", rep(`"type"`, `"\u0074ype"`), kindNonCanonical},
		{"escaped slash", rep("https://", `https:\/\/`), kindNonCanonical},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.in))
			if got := classify(err); got != c.want {
				t.Fatalf("got %v (kind %d), want kind %d", err, got, c.want)
			}
		})
	}
}

func TestNonCanonicalOffset(t *testing.T) {
	_, err := Parse([]byte(strings.Replace(exampleJSON, `,"origin"`, `, "origin"`, 1)))
	var ne *NonCanonicalError
	if !errors.As(err, &ne) {
		t.Fatalf("got %v", err)
	}
	if want := strings.Index(exampleJSON, `,"origin"`) + 1; ne.Offset != want {
		t.Fatalf("offset %d, want %d", ne.Offset, want)
	}
}

func TestOriginOf(t *testing.T) {
	cases := map[string]string{
		"https://ID.Example.JP/authorize?x=1#f": "https://id.example.jp",
		"https://id.example.jp:443/":            "https://id.example.jp",
		"HTTP://localhost:80":                   "http://localhost",
		"http://127.0.0.1:8080/bridge":          "http://127.0.0.1:8080",
		"https://[::1]:8443/":                   "https://[::1]:8443",
		"https://user@id.example.jp/":           "https://id.example.jp",
	}
	for in, want := range cases {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := OriginOf(u)
		if err != nil || got != want {
			t.Errorf("OriginOf(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"ftp://x.jp", "https://", "https://bad_host.jp", "file:///etc/passwd"} {
		u, _ := url.Parse(in)
		if got, err := OriginOf(u); err == nil {
			t.Errorf("OriginOf(%s) = %q, want error", in, got)
		}
	}
}
