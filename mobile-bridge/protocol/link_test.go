package protocol

import (
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/inkan-id/inkan/cardauth/clientdata"
)

const (
	testID     = "AAECAwQFBgcICQoLDA0ODw"                      // 16 bytes 00..0f
	testSecret = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8" // 32 bytes 00..1f
)

func TestParseLinkAccepts(t *testing.T) {
	cases := []struct {
		in, origin, tx string
		prefix         string
	}{
		{"https://id.example.jp/bridge/v1/tx/" + testID + "#" + testSecret, "https://id.example.jp", "https://id.example.jp/bridge/v1/tx/" + testID, ""},
		{"https://ID.Example.JP:443/bridge/v1/tx/" + testID + "#" + testSecret, "https://id.example.jp", "https://id.example.jp/bridge/v1/tx/" + testID, ""},
		{"HTTPS://id.example.jp:8443/idp/v2/bridge/v1/tx/" + testID + "#" + testSecret, "https://id.example.jp:8443", "https://id.example.jp:8443/idp/v2/bridge/v1/tx/" + testID, "/idp/v2"},
		{"http://127.0.0.1:8080/bridge/v1/tx/" + testID + "#" + testSecret, "http://127.0.0.1:8080", "http://127.0.0.1:8080/bridge/v1/tx/" + testID, ""},
		{"http://localhost/bridge/v1/tx/" + testID + "#" + testSecret, "http://localhost", "http://localhost/bridge/v1/tx/" + testID, ""},
		{"http://[::1]:8080/bridge/v1/tx/" + testID + "#" + testSecret, "http://[::1]:8080", "http://[::1]:8080/bridge/v1/tx/" + testID, ""},
		{"https://xn--eckwd4c7c.example.jp/bridge/v1/tx/" + testID + "#" + testSecret, "https://xn--eckwd4c7c.example.jp", "https://xn--eckwd4c7c.example.jp/bridge/v1/tx/" + testID, ""},
		{"inkan://tx?link=" + url.QueryEscape("https://id.example.jp/bridge/v1/tx/"+testID+"#"+testSecret), "https://id.example.jp", "https://id.example.jp/bridge/v1/tx/" + testID, ""},
	}
	for _, c := range cases {
		l, err := ParseLink(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if l.Origin() != c.origin || l.TxURL() != c.tx || l.Prefix != c.prefix || l.ID != testID || l.Secret != testSecret {
			t.Errorf("%s: origin %q tx %q prefix %q", c.in, l.Origin(), l.TxURL(), l.Prefix)
		}
		// The origin the agent signs is the one the provider computes.
		u, _ := url.Parse(l.TxURL())
		if o, err := clientdata.OriginOf(u); err != nil || o != l.Origin() {
			t.Errorf("%s: clientdata.OriginOf = %q, %v; Link.Origin = %q", c.in, o, err, l.Origin())
		}
		// Both forms parse back to the same link.
		for _, s := range []string{l.String(), l.AppLink()} {
			back, err := ParseLink(s)
			if err != nil || *back != *l {
				t.Errorf("%s: round trip of %s: %+v, %v", c.in, s, back, err)
			}
		}
	}
}

func TestParseLinkRejects(t *testing.T) {
	good := "https://id.example.jp/bridge/v1/tx/" + testID + "#" + testSecret
	rep := func(old, new string) string { return strings.Replace(good, old, new, 1) }
	cases := map[string]string{
		"empty":              "",
		"no secret":          strings.TrimSuffix(good, "#"+testSecret),
		"empty fragment":     strings.TrimSuffix(good, testSecret),
		"short secret":       good[:len(good)-1],
		"long secret":        good + "A",
		"secret bad bits":    rep("Hh8", "Hh9"),
		"secret padded":      good + "=",
		"secret std base64":  rep("#AAECAwQF", "#AAECAwQ+"),
		"http public":        rep("https://", "http://"),
		"ftp":                rep("https://", "ftp://"),
		"no scheme":          strings.TrimPrefix(good, "https:"),
		"userinfo":           rep("https://", "https://u:p@"),
		"query":              rep("#", "?x=1#"),
		"empty query":        rep("#", "?#"),
		"trailing slash":     rep(testID+"#", testID+"/#"),
		"short id":           rep(testID, testID[:21]),
		"long id":            rep(testID, testID+"A"),
		"id escaped":         rep(testID, "%41"+testID[1:]),
		"wrong path":         rep("/bridge/v1/tx/", "/bridge/v2/tx/"),
		"status path":        rep(testID+"#", testID+"/status#"),
		"dot segment":        rep("/bridge", "/../bridge"),
		"empty segment":      rep("/bridge", "//x/bridge"),
		"bad host":           rep("id.example.jp", "id_example.jp"),
		"trailing dot":       rep("id.example.jp", "id.example.jp."),
		"unicode host":       rep("id.example.jp", "例え.jp"),
		"empty port":         rep("id.example.jp", "id.example.jp:"),
		"port 0":             rep("id.example.jp", "id.example.jp:0"),
		"port leading zero":  rep("id.example.jp", "id.example.jp:0443"),
		"port too big":       rep("id.example.jp", "id.example.jp:65536"),
		"space":              rep("/bridge", " /bridge"),
		"too long":           rep("/bridge", "/"+strings.Repeat("a", MaxLinkLen)+"/bridge"),
		"ipv6 zone":          "http://[::1%25eth0]:80/bridge/v1/tx/" + testID + "#" + testSecret,
		"inkan nested":       "inkan://tx?link=" + url.QueryEscape("inkan://tx?link="+url.QueryEscape(good)),
		"inkan two params":   "inkan://tx?link=" + url.QueryEscape(good) + "&x=1",
		"inkan two links":    "inkan://tx?link=" + url.QueryEscape(good) + "&link=" + url.QueryEscape(good),
		"inkan raw fragment": "inkan://tx?link=" + strings.Replace(good, "#", "%23", 1) + "#x",
		"inkan wrong host":   "inkan://login?link=" + url.QueryEscape(good),
		"inkan path":         "inkan://tx/x?link=" + url.QueryEscape(good),
		"inkan http inner":   "inkan://tx?link=" + url.QueryEscape(rep("https://", "http://")),
	}
	for name, in := range cases {
		l, err := ParseLink(in)
		var le *LinkError
		if !errors.As(err, &le) {
			t.Errorf("%s: got %+v, %v; want *LinkError", name, l, err)
			continue
		}
		if strings.Contains(err.Error(), testSecret) {
			t.Errorf("%s: error echoes the secret", name)
		}
	}
}

func TestNewLink(t *testing.T) {
	for issuer, want := range map[string]string{
		"https://id.example.jp":             "https://id.example.jp/bridge/v1/tx/",
		"https://id.example.jp/":            "https://id.example.jp/bridge/v1/tx/",
		"https://bank.example.jp/idp/":      "https://bank.example.jp/idp/bridge/v1/tx/",
		"http://127.0.0.1:5556":             "http://127.0.0.1:5556/bridge/v1/tx/",
		"https://Bank.Example.JP:443/a/b/c": "https://bank.example.jp/a/b/c/bridge/v1/tx/",
	} {
		l, err := NewLink(issuer, testID, testSecret)
		if err != nil {
			t.Errorf("%s: %v", issuer, err)
			continue
		}
		if l.String() != want+testID+"#"+testSecret {
			t.Errorf("%s: %s", issuer, l)
		}
	}
	for _, issuer := range []string{"http://id.example.jp", "https://id.example.jp?x", "https://u@id.example.jp", "https://id.example.jp/#f", "id.example.jp", "https://id.example.jp/a%20b"} {
		if _, err := NewLink(issuer, testID, testSecret); err == nil {
			t.Errorf("%s: accepted", issuer)
		}
	}
	if _, err := NewLink("https://id.example.jp", "short", testSecret); err == nil {
		t.Error("short id accepted")
	}
}

func TestLinkRedacted(t *testing.T) {
	l, err := ParseLink("https://id.example.jp/bridge/v1/tx/" + testID + "#" + testSecret)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("x", "link", l)
	if strings.Contains(b.String(), testSecret) || !strings.Contains(b.String(), testID) {
		t.Errorf("log line: %s", b.String())
	}
}
