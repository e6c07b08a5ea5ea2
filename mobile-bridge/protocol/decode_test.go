package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func goodResponse() Response {
	return Response{
		ClientData:  []byte(`{"type":"inkan.bridge.auth.v1"}`),
		Certificate: bytes.Repeat([]byte{0x30}, 1600),
		Signature:   bytes.Repeat([]byte{0xAB}, 256),
	}
}

func TestDecodeResponseRoundTrip(t *testing.T) {
	want := goodResponse()
	b, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeResponse(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.ClientData, want.ClientData) || !bytes.Equal(got.Certificate, want.Certificate) || !bytes.Equal(got.Signature, want.Signature) {
		t.Fatal("round trip changed the values")
	}
	// Whitespace and any key order are fine: the signed bytes are inside.
	var m map[string]string
	json.Unmarshal(b, &m)
	spaced := "\n{ \"signature\" : \"" + m["signature"] + "\", \"certificate\":\"" + m["certificate"] + "\",\"client_data\":\"" + m["client_data"] + "\" }\n"
	if _, err := DecodeResponse([]byte(spaced)); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeResponseRejects(t *testing.T) {
	cd, cert, sig := EncodeBase64URL([]byte("cd")), EncodeBase64URL([]byte("cert")), EncodeBase64URL([]byte("sig"))
	obj := func(fields ...string) string { return "{" + strings.Join(fields, ",") + "}" }
	f := func(k, v string) string { return `"` + k + `":` + v }
	q := func(s string) string { return `"` + s + `"` }
	cases := []struct {
		name, body, field string
	}{
		{"empty", "", ""},
		{"null", "null", ""},
		{"array", "[]", ""},
		{"string", `"x"`, ""},
		{"truncated", obj(f("client_data", q(cd)))[:10], ""},
		{"two objects", obj(f("client_data", q(cd)), f("certificate", q(cert)), f("signature", q(sig))) + "{}", ""},
		{"trailing garbage", obj(f("client_data", q(cd)), f("certificate", q(cert)), f("signature", q(sig))) + "x", ""},
		{"unknown key", obj(f("client_data", q(cd)), f("certificate", q(cert)), f("signature", q(sig)), f("extra", q("1"))), ""},
		{"missing signature", obj(f("client_data", q(cd)), f("certificate", q(cert))), "signature"},
		{"duplicate", obj(f("client_data", q(cd)), f("client_data", q(cd)), f("certificate", q(cert)), f("signature", q(sig))), "client_data"},
		{"null value", obj(f("client_data", "null"), f("certificate", q(cert)), f("signature", q(sig))), "client_data"},
		{"number value", obj(f("client_data", "1"), f("certificate", q(cert)), f("signature", q(sig))), "client_data"},
		{"empty value", obj(f("client_data", q("")), f("certificate", q(cert)), f("signature", q(sig))), "client_data"},
		{"padded", obj(f("client_data", q(cd+"==")), f("certificate", q(cert)), f("signature", q(sig))), "client_data"},
		{"std alphabet", obj(f("client_data", q("+/+/")), f("certificate", q(cert)), f("signature", q(sig))), "client_data"},
		// encoding/base64 would skip these two; the protocol refuses them.
		{"escaped newline", obj(f("client_data", q(`Y2\nQ`)), f("certificate", q(cert)), f("signature", q(sig))), "client_data"},
		{"escaped CR", obj(f("client_data", q(`\rY2Q`)), f("certificate", q(cert)), f("signature", q(sig))), "client_data"},
		{"escaped space", obj(f("client_data", q(`Y2\u0020Q`)), f("certificate", q(cert)), f("signature", q(sig))), "client_data"},
		{"bad escape", obj(f("client_data", q(`Y2\xQ`)), f("certificate", q(cert)), f("signature", q(sig))), ""},
		{"bad tail bits", obj(f("client_data", q("Y2R")), f("certificate", q(cert)), f("signature", q(sig))), "client_data"},
		{"big client_data", obj(f("client_data", q(EncodeBase64URL(make([]byte, MaxClientDataSize+1)))), f("certificate", q(cert)), f("signature", q(sig))), "client_data"},
		{"big signature", obj(f("client_data", q(cd)), f("certificate", q(cert)), f("signature", q(EncodeBase64URL(make([]byte, MaxSignatureSize+1))))), "signature"},
		{"too large", obj(f("client_data", q(cd)), f("certificate", q(strings.Repeat("A", MaxResponseSize))), f("signature", q(sig))), ""},
	}
	for _, c := range cases {
		_, err := DecodeResponse([]byte(c.body))
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Errorf("%s: got %v, want *DecodeError", c.name, err)
			continue
		}
		if de.Field != c.field {
			t.Errorf("%s: field %q, want %q (%v)", c.name, de.Field, c.field, err)
		}
	}
}

func TestDecodeTransaction(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	good := Transaction{ID: testID, Purpose: PurposeAuth, Nonce: testSecret, RelyingParty: RelyingParty{ClientID: "demo", Name: "デモ銀行"}, CreatedAt: now, ExpiresAt: now.Add(3 * time.Minute),
		Origin: "https://id.example.jp", BindingCode: "42"}
	b, _ := json.Marshal(good)
	// A newer provider's extra field is ignored.
	b = bytes.Replace(b, []byte(`{`), []byte(`{"future":1,`), 1)
	tx, err := DecodeTransaction(b)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := tx.NonceBytes(); err != nil || len(n) != NonceBytes {
		t.Fatalf("nonce %x %v", n, err)
	}
	for name, edit := range map[string]func(*Transaction){
		"bad id":      func(t *Transaction) { t.ID = "x" },
		"bad purpose": func(t *Transaction) { t.Purpose = "login" },
		"bad nonce":   func(t *Transaction) { t.Nonce = testID },
		"no expiry":   func(t *Transaction) { t.ExpiresAt = time.Time{} },
		"backwards":   func(t *Transaction) { t.ExpiresAt = t.CreatedAt.Add(-time.Second) },
		"too long":    func(t *Transaction) { t.ExpiresAt = t.CreatedAt.Add(time.Hour) },
		"no origin":   func(t *Transaction) { t.Origin = "" },
		"path origin": func(t *Transaction) { t.Origin = "https://id.example.jp/x" },
		"ftp origin":  func(t *Transaction) { t.Origin = "ftp://id.example.jp" },
		"no code":     func(t *Transaction) { t.BindingCode = "" },
		"short code":  func(t *Transaction) { t.BindingCode = "4" },
		"lower code":  func(t *Transaction) { t.BindingCode = "ab" },
		"long code":   func(t *Transaction) { t.BindingCode = "123456789" },
	} {
		tx := good
		edit(&tx)
		b, _ := json.Marshal(tx)
		var de *DecodeError
		if _, err := DecodeTransaction(b); !errors.As(err, &de) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestErrors(t *testing.T) {
	seen := map[Code]bool{}
	for _, c := range Codes() {
		if seen[c] {
			t.Errorf("%s listed twice", c)
		}
		seen[c] = true
		e := NewError(c)
		if e.Message == "" || e.MessageJA == "" || e.HTTPStatus < 400 {
			t.Errorf("%s: %+v", c, e)
		}
		if !errors.Is(e, NewError(c)) || errors.Is(e, NewError(CodeInternal)) && c != CodeInternal {
			t.Errorf("%s: Is does not match by code", c)
		}
		b, _ := json.Marshal(e)
		back := DecodeErrorBody(b, e.HTTPStatus)
		if back == nil || *back != *e {
			t.Errorf("%s: round trip %+v", c, back)
		}
	}
	if len(seen) != len(texts) || len(seen) != len(statuses) {
		t.Errorf("Codes() has %d, texts %d, statuses %d", len(seen), len(texts), len(statuses))
	}
	if DecodeErrorBody([]byte("<html>bad gateway</html>"), 502) != nil {
		t.Error("HTML page taken for an error body")
	}
	// A terse server's known code gets the standard texts.
	if e := DecodeErrorBody([]byte(`{"code":"expired"}`), 410); e == nil || e.MessageJA == "" {
		t.Errorf("terse: %+v", e)
	}
}

// An escaped character of the alphabet is the same string to JSON, so it
// decodes like the plain spelling; the plain spelling takes the fast path.
func TestBase64URLEscapedAlphabet(t *testing.T) {
	for _, in := range []string{`"Y2Q"`, `"Y2\u0051"`, `"\u00592Q"`} {
		var b Base64URL
		if err := b.UnmarshalJSON([]byte(in)); err != nil || string(b) != "cd" {
			t.Errorf("%s: got %q, %v; want \"cd\"", in, b, err)
		}
	}
	for _, in := range []string{``, `"`, `"Y2Q`, `Y2Q"`, `null`, `"Y2\"Q"`, "\"Y2\nQ\"", `"Y2Q="`} {
		var b Base64URL
		if err := b.UnmarshalJSON([]byte(in)); err == nil {
			t.Errorf("%q: accepted as %q", in, b)
		}
	}
}
