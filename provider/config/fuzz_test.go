package config

import (
	"os"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the parser and then to Validate: neither
// may panic, and a config that parses must either validate or explain why
// with field-named errors.
func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile("testdata/valid.yaml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("dev: true\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			if c != nil {
				t.Fatal("Parse returned a config with an error")
			}
			return
		}
		err = c.Validate()
		if ve, ok := err.(*ValidationError); ok {
			for _, fe := range ve.Errs {
				if fe.Field == "" || fe.Msg == "" {
					t.Fatalf("unnamed field error: %+v", fe)
				}
			}
		} else if err != nil {
			t.Fatalf("Validate returned %T, not *ValidationError", err)
		}
		_ = c.Warnings()
	})
}
