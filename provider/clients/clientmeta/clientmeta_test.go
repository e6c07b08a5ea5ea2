package clientmeta

import (
	"strings"
	"testing"
)

func TestCheckRedirectURI(t *testing.T) {
	for _, tc := range []struct {
		uri       string
		allowHTTP bool
		want      string // "" = accepted
	}{
		{"https://rp.example.jp/cb?x=1", false, ""},
		{"http://127.0.0.1:8080/cb", false, ""},
		{"http://[::1]/cb", false, ""},
		{"http://localhost/cb", false, ""},
		{"http://rp.example.jp/cb", true, ""},
		{"http://rp.example.jp/cb", false, "https"},
		{"http://127.0.0.1.example.jp/cb", false, "https"},
		{"https://rp.example.jp/cb#", false, "fragment"},
		{"https://rp.example.jp/c b", false, "white space"},
		{"https://u:p@rp.example.jp/cb", false, "user information"},
		{"https:///cb", false, "no host"},
		{"https:rp.example.jp", false, "hierarchical"},
		{"ftp://rp.example.jp/cb", false, "scheme"},
		{"com.example.app:/cb", false, "scheme"},
		{"//rp.example.jp/cb", false, "absolute"},
		{"", false, "empty"},
		{"https://rp.example.jp/" + strings.Repeat("a", MaxURILen), false, "longer"},
	} {
		err := CheckRedirectURI(tc.uri, tc.allowHTTP)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q refused: %v", tc.uri, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q: err = %v; want one mentioning %q", tc.uri, err, tc.want)
		}
	}
}

func TestSharedHost(t *testing.T) {
	if h, ok := SharedHost([]string{"https://RP.example.jp/a", "https://rp.example.jp:8443/b"}); !ok || h != "rp.example.jp" {
		t.Errorf("SharedHost = %q, %v", h, ok)
	}
	if _, ok := SharedHost([]string{"https://a.jp/", "https://b.jp/"}); ok {
		t.Error("two hosts shared")
	}
	if _, ok := SharedHost(nil); ok {
		t.Error("no URIs share a host")
	}
}

func TestSectorOf(t *testing.T) {
	cases := []struct {
		uris   []string
		sector string
		ok     bool
	}{
		{[]string{"https://RP.example.jp/a", "https://rp.example.jp/b"}, "rp.example.jp", true},
		{[]string{"http://127.0.0.1:8765/cb"}, "", true},
		{[]string{"http://localhost/cb", "http://LOCALHOST:9/cb"}, "", true},
		{[]string{"http://[::1]:8765/cb"}, "", true},
		{[]string{"https://a.jp/", "https://b.jp/"}, "", false},
		{nil, "", false},
	}
	for _, c := range cases {
		if sector, ok := SectorOf(c.uris); sector != c.sector || ok != c.ok {
			t.Errorf("SectorOf(%v) = %q, %v; want %q, %v", c.uris, sector, ok, c.sector, c.ok)
		}
	}
}

func TestSecrets(t *testing.T) {
	h := HashSecret("s3cret")
	if CheckSecretHash(h) != nil || !VerifySecret(h, "s3cret") || VerifySecret(h, "s3cres") || VerifySecret(h, "") {
		t.Error("sha256 form")
	}
	const bc = "$2a$10$YGJoZiK9w7E7Dc90JxEcneXIeM8qEbNUqglluixQwXxFRbmcWzVeK"
	if CheckSecretHash(bc) != nil || !VerifySecret(bc, "correct horse battery staple") || VerifySecret(bc, "correct horse") {
		t.Error("bcrypt form")
	}
	for _, bad := range []string{"", "s3cret", "sha256:", "sha256:" + strings.Repeat("A", 44), "$2a$10$short"} {
		if CheckSecretHash(bad) == nil || VerifySecret(bad, bad) || VerifySecret(bad, "") {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
}

func TestParseJWKS(t *testing.T) {
	const ec = `{"kty":"EC","crv":"P-256","x":"Rr-IWDqEyvJSbbL4kyRSuyc-DYdj-FYjRmV4evZxdd8","y":"KFjvEjcZBVafIJfOpoJ8ienpCeU969g-AeUzCYkyMJQ"`
	const rsa1024 = `{"kty":"RSA","n":"0qtzR_TzkD3-y1Vj_UrYPZMpmw-MeMqWMoArljWNWweFJXzY2i8UOrkVQxRgFrtez8IYZ0OouvP9f-cU-tLky3pwZ9MSM4R5PCIISP4hA4H7geg0Chng2voOzRnpNbz3fSr3Bb1B4UJwht35tspez6TN4FItyo7GBDQVxTb-VTc","e":"AQAB"}`
	for _, tc := range []struct{ set, want string }{
		{`{"keys":[` + ec + `}]}`, ""},
		{`{"keys":[` + ec + `,"kid":"a"},` + ec + `,"kid":"b"}]}`, ""},
		{`{"keys":[` + ec + `},` + ec + `,"kid":"b"}]}`, "kid"},
		{`{"keys":[` + ec + `,"kid":"a"},` + ec + `,"kid":"a"}]}`, "duplicate"},
		{`{"keys":[` + ec + `,"use":"enc"}]}`, "use"},
		{`{"keys":[` + ec + `,"alg":"PS256"}]}`, "does not fit"},
		{`{"keys":[` + rsa1024 + `]}`, "1024 bits"},
		{`{"keys":[]}`, "empty"},
		{`{}`, "empty"},
		{`[]`, "not a valid"},
	} {
		_, err := ParseJWKS([]byte(tc.set))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s refused: %v", tc.set, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: err = %v; want %q", tc.set, err, tc.want)
		}
	}
}

func TestCheckIDAndScope(t *testing.T) {
	if CheckID("bank-web_1.0~x") != nil || CheckID("a/b") == nil || CheckID("") == nil || CheckID(strings.Repeat("a", 129)) == nil {
		t.Error("CheckID")
	}
	if CheckScope("openid") != nil || CheckScope("a b") == nil || CheckScope(`a"b`) == nil || CheckScope("") == nil {
		t.Error("CheckScope")
	}
	if CheckHost("rp.example.jp") != nil || CheckHost("https://rp") == nil || CheckHost("a..b") == nil {
		t.Error("CheckHost")
	}
}
