package identity

import (
	"testing"
)

// FuzzExtract feeds raw subjectAltName extension values to the parser. Any
// accepted input must survive a rebuild with SANExtension and parse back to
// the same attributes (with empty substitute maps filled in).
func FuzzExtract(f *testing.F) {
	if ext, err := SANExtension(sample); err == nil {
		f.Add(ext.Value)
	}
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		a, err := ParseSAN(der)
		if err != nil {
			return
		}
		ext, err := SANExtension(a)
		if err != nil {
			t.Fatalf("accepted attributes cannot be rebuilt: %v", err)
		}
		b, err := ParseSAN(ext.Value)
		if err != nil {
			t.Fatalf("rebuilt SAN does not parse: %v", err)
		}
		a.NameSubstitutes = defaultSubstitutes(a.NameSubstitutes, a.Name)
		a.AddressSubstitutes = defaultSubstitutes(a.AddressSubstitutes, a.Address)
		if a != b {
			t.Fatalf("round trip changed attributes:\n%+v\n%+v", a, b)
		}
	})
}
