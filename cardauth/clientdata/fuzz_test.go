package clientdata

import (
	"bytes"
	"testing"
)

// FuzzParse checks that Parse never panics and that whatever it accepts is
// exactly the canonical encoding of what it returned.
func FuzzParse(f *testing.F) {
	f.Add([]byte(exampleJSON))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b)
		if err != nil {
			return
		}
		out, err := c.Marshal()
		if err != nil {
			t.Fatalf("accepted input does not marshal: %v", err)
		}
		if !bytes.Equal(out, b) {
			t.Fatalf("accepted non-canonical input:\n%q\n%q", b, out)
		}
	})
}
