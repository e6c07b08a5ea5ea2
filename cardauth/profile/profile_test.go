package profile

import (
	"encoding/asn1"
	"testing"
)

func TestOIDStrings(t *testing.T) {
	cases := []struct {
		oid  asn1.ObjectIdentifier
		want string
	}{
		{PolicyAuth, "1.2.392.200149.8.5.1.3.30"},
		{PolicySign, "1.2.392.200149.8.5.1.1.20"},
		{PolicyTestSign, "1.2.392.200149.8.5.1.0.20"},
		{OIDName, "1.2.392.200149.8.5.5.1"},
		{OIDAddressSubstitutes, "1.2.392.200149.8.5.5.6"},
		{OIDExtKeyUsageClientAuth, "1.3.6.1.5.5.7.3.2"},
	}
	for _, c := range cases {
		if got := c.oid.String(); got != c.want {
			t.Errorf("got %s, want %s", got, c.want)
		}
	}
}

func TestSANAttributeName(t *testing.T) {
	if got := SANAttributeName(asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 4}); got != "birthdate" {
		t.Errorf("birthdate: got %q", got)
	}
	if got := SANAttributeName(asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 7}); got != "" {
		t.Errorf(".7: got %q, want empty", got)
	}
	for i, a := range SANAttributes {
		if a.OID[len(a.OID)-1] != i+1 {
			t.Errorf("SANAttributes[%d] is %s, out of order", i, a.OID)
		}
	}
}
