package clientdata

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// keys are the fields in canonical order.
var keys = []string{"type", "origin", "tx", "nonce", "time"}

// Parse decodes b strictly. It returns ErrTooLarge, *SyntaxError,
// *FieldError (unknown, duplicate or missing key; bad value) or
// *NonCanonicalError. On success, c.Marshal() returns exactly b.
func Parse(b []byte) (ClientData, error) {
	if len(b) > MaxSize {
		return ClientData{}, ErrTooLarge
	}
	fields, err := readObject(b)
	if err != nil {
		return ClientData{}, err
	}
	for _, k := range keys {
		if _, ok := fields[k]; !ok {
			return ClientData{}, &FieldError{k, "missing"}
		}
	}
	c := ClientData{
		Type:          fields["type"],
		Origin:        fields["origin"],
		TransactionID: fields["tx"],
	}
	// Length first: decoding a wrong-length string would give a vaguer error.
	if n := len(fields["nonce"]); n != 43 {
		return ClientData{}, &FieldError{"nonce", fmt.Sprintf("want 43 base64url characters, got %d", n)}
	}
	if c.Nonce, err = nonceEncoding.DecodeString(fields["nonce"]); err != nil {
		return ClientData{}, &FieldError{"nonce", "not base64url without padding"}
	}
	if c.Time, err = time.Parse(TimeLayout, fields["time"]); err != nil {
		return ClientData{}, &FieldError{"time", "want YYYY-MM-DDTHH:MM:SSZ"}
	}
	if err := c.validate(); err != nil {
		return ClientData{}, err
	}
	if canon := c.encode(); !bytes.Equal(canon, b) {
		return ClientData{}, &NonCanonicalError{Offset: firstDiff(canon, b)}
	}
	return c, nil
}

// readObject reads one flat JSON object whose values are all strings and
// whose keys are the known ones, each at most once. Byte-level canonical
// form is checked afterwards; this step gives the precise error for inputs
// that are wrong in meaning, not only in spelling.
func readObject(b []byte) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	syntax := func(reason string) error {
		return &SyntaxError{Offset: dec.InputOffset(), Reason: reason}
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, syntax(tokenError(err))
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, syntax("want an object")
	}
	fields := make(map[string]string, len(keys))
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntax(tokenError(err))
		}
		key, ok := tok.(string)
		if !ok { // json.Decoder yields only string keys; keep the parser panic-free anyway
			return nil, syntax("want a string key")
		}
		if !known(key) {
			return nil, &FieldError{fmt.Sprintf("%.40q", key), "unknown key"}
		}
		if _, dup := fields[key]; dup {
			return nil, &FieldError{key, "duplicate key"}
		}
		tok, err = dec.Token()
		if err != nil {
			return nil, syntax(tokenError(err))
		}
		v, ok := tok.(string)
		if !ok {
			return nil, &FieldError{key, "value is not a string"}
		}
		fields[key] = v
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, syntax(tokenError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, syntax("data after the object")
	}
	return fields, nil
}

func tokenError(err error) string {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Error()
	}
	return "invalid JSON"
}

func known(k string) bool {
	for _, x := range keys {
		if x == k {
			return true
		}
	}
	return false
}

// firstDiff returns the index of the first byte where a and b differ.
func firstDiff(a, b []byte) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}
