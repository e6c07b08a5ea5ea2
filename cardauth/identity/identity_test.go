package identity

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/inkan-id/inkan/cardauth/profile"
)

// sample is a synthetic holder; never put a real person's data in tests.
var sample = Attributes{
	Name:      "試験\u3000花子",
	Gender:    GenderFemale,
	Birthdate: "1990-01-02",
	BirthEra:  EraHeisei,
	Address:   "東京都千代田区霞が関２－１－２",
}

// otherName is one raw otherName for hand-built SANs.
type otherName struct {
	oid asn1.ObjectIdentifier
	tag cbasn1.Tag
	v   string
}

// buildSAN writes GeneralNames holding the given otherNames, with the same
// code path shape as SANExtension but no validation, so tests can write
// anything.
func buildSAN(names ...otherName) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, n := range names {
			b.AddASN1(tagOtherName, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(n.oid)
				b.AddASN1(tagOtherName, func(b *cryptobyte.Builder) {
					b.AddASN1(n.tag, func(b *cryptobyte.Builder) { b.AddBytes([]byte(n.v)) })
				})
			})
		}
	})
	return b.BytesOrPanic()
}

// good returns the six otherNames of sample, optionally replacing or
// dropping one (v == "\x00drop").
func good(override ...otherName) []otherName {
	base := []otherName{
		{profile.OIDName, cbasn1.UTF8String, sample.Name},
		{profile.OIDBirthdate, cbasn1.UTF8String, "419900102"},
		{profile.OIDGender, cbasn1.UTF8String, "2"},
		{profile.OIDAddress, cbasn1.UTF8String, sample.Address},
		{profile.OIDNameSubstitutes, cbasn1.UTF8String, "00000"},
		{profile.OIDAddressSubstitutes, cbasn1.UTF8String, "000000000000000"},
	}
	var out []otherName
	for _, n := range base {
		for _, o := range override {
			if o.oid.Equal(n.oid) {
				n = o
			}
		}
		if n.v != "\x00drop" {
			out = append(out, n)
		}
	}
	return out
}

func TestParseSANGood(t *testing.T) {
	a, err := ParseSAN(buildSAN(good()...))
	if err != nil {
		t.Fatal(err)
	}
	want := sample
	want.NameSubstitutes = "00000"
	want.AddressSubstitutes = "000000000000000"
	if a != want {
		t.Fatalf("got %+v\nwant %+v", a, want)
	}
	if a.OIDCGender() != "female" {
		t.Errorf("OIDCGender = %q", a.OIDCGender())
	}
}

func TestParseSANErrors(t *testing.T) {
	utf := cbasn1.UTF8String
	dnsName := func(der []byte) []byte {
		// Append a dNSName [2] "x" inside the outer SEQUENCE.
		s := cryptobyte.String(der)
		var body cryptobyte.String
		s.ReadASN1(&body, cbasn1.SEQUENCE)
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddBytes(body)
			b.AddASN1(cbasn1.Tag(2).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte("x")) })
		})
		return b.BytesOrPanic()
	}
	full := buildSAN(good()...)
	cases := []struct {
		name string
		der  []byte
		want error // nil means success
	}{
		{"nil", nil, ErrMalformed},
		{"not a sequence", []byte{0x04, 0x00}, ErrMalformed},
		{"empty sequence", []byte{0x30, 0x00}, ErrMalformed},
		{"trailing data", append(append([]byte{}, full...), 0x00), ErrMalformed},
		{"truncated", full[:len(full)-3], ErrMalformed},
		{"long-form length", append([]byte{0x30, 0x81, byte(len(full) - 2)}, full[2:]...), ErrMalformed},
		{"otherName without value", []byte{0x30, 0x07, 0xa0, 0x05, 0x06, 0x03, 0x2a, 0x03, 0x04}, ErrMalformed},
		{"otherName with trailing data", []byte{0x30, 0x0b, 0xa0, 0x09, 0x06, 0x01, 0x2a, 0xa0, 0x02, 0x0c, 0x00, 0x05, 0x00}, ErrMalformed},
		{"two values in wrapper", []byte{0x30, 0x0b, 0xa0, 0x09, 0x06, 0x01, 0x2a, 0xa0, 0x04, 0x0c, 0x00, 0x0c, 0x00}, ErrMalformed},
		{"name PrintableString", buildSAN(good(otherName{profile.OIDName, cbasn1.PrintableString, "Hanako"})...), ErrWrongStringType},
		{"name BMPString", buildSAN(good(otherName{profile.OIDName, cbasn1.Tag(30), "\x8a\x66"})...), ErrWrongStringType},
		{"name invalid UTF-8", buildSAN(good(otherName{profile.OIDName, utf, "\xff\xfe"})...), ErrWrongStringType},
		{"name control char", buildSAN(good(otherName{profile.OIDName, utf, "a\nb"})...), ErrBadValue},
		{"name empty", buildSAN(good(otherName{profile.OIDName, utf, ""})...), ErrMissing},
		{"missing name", buildSAN(good(otherName{profile.OIDName, utf, "\x00drop"})...), ErrMissing},
		{"missing birthdate", buildSAN(good(otherName{profile.OIDBirthdate, utf, "\x00drop"})...), ErrMissing},
		{"missing gender", buildSAN(good(otherName{profile.OIDGender, utf, "\x00drop"})...), ErrMissing},
		{"missing address", buildSAN(good(otherName{profile.OIDAddress, utf, "\x00drop"})...), ErrMissing},
		{"no substitute maps", buildSAN(good(otherName{profile.OIDNameSubstitutes, utf, "\x00drop"}, otherName{profile.OIDAddressSubstitutes, utf, "\x00drop"})...), nil},
		{"duplicate name", buildSAN(append(good(), otherName{profile.OIDName, utf, "別人"})...), ErrDuplicate},
		{"duplicate gender", buildSAN(append(good(), otherName{profile.OIDGender, utf, "2"})...), ErrDuplicate},
		{"birthdate Feb 30", buildSAN(good(otherName{profile.OIDBirthdate, utf, "419900230"})...), ErrBadValue},
		{"birthdate month 13", buildSAN(good(otherName{profile.OIDBirthdate, utf, "419901301"})...), ErrBadValue},
		{"birthdate Feb 29 non-leap", buildSAN(good(otherName{profile.OIDBirthdate, utf, "419900229"})...), ErrBadValue},
		{"birthdate Feb 29 leap", buildSAN(good(otherName{profile.OIDBirthdate, utf, "419920229"})...), nil},
		{"birthdate era 6", buildSAN(good(otherName{profile.OIDBirthdate, utf, "619900102"})...), ErrBadValue},
		{"birthdate era unknown", buildSAN(good(otherName{profile.OIDBirthdate, utf, "019900102"})...), nil},
		{"birthdate 8 digits", buildSAN(good(otherName{profile.OIDBirthdate, utf, "19900102"})...), ErrBadValue},
		{"birthdate ISO", buildSAN(good(otherName{profile.OIDBirthdate, utf, "1990-01-02"})...), ErrBadValue},
		{"birthdate full-width digits", buildSAN(good(otherName{profile.OIDBirthdate, utf, "４19900102"})...), ErrBadValue},
		{"gender 0", buildSAN(good(otherName{profile.OIDGender, utf, "0"})...), ErrBadValue},
		{"gender male word", buildSAN(good(otherName{profile.OIDGender, utf, "male"})...), ErrBadValue},
		{"substitutes with 2", buildSAN(good(otherName{profile.OIDNameSubstitutes, utf, "00200"})...), ErrBadValue},
		{"unknown otherName any type", buildSAN(append(good(), otherName{asn1.ObjectIdentifier{1, 2, 3}, cbasn1.OCTET_STRING, "\xff"})...), nil},
		{"other GeneralName kinds ignored", dnsName(full), nil},
		{"only a dNSName", dnsName([]byte{0x30, 0x00}), ErrMissing},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseSAN(c.der)
			if c.want == nil {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			var ae *AttributeError
			if !errors.As(err, &ae) {
				t.Fatalf("error %T is not *AttributeError", err)
			}
		})
	}
}

func TestErrorHasNoPersonalData(t *testing.T) {
	_, err := ParseSAN(buildSAN(good(otherName{profile.OIDBirthdate, cbasn1.UTF8String, "419900230"})...))
	if err == nil {
		t.Fatal("want error")
	}
	for _, secret := range []string{"19900230", "1990-02-30", sample.Name} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q leaks %q", err, secret)
		}
	}
}

func TestSANExtensionRoundTrip(t *testing.T) {
	ext, err := SANExtension(sample)
	if err != nil {
		t.Fatal(err)
	}
	if ext.Critical || !ext.Id.Equal(oidSubjectAltName) {
		t.Fatalf("extension header %v critical=%v", ext.Id, ext.Critical)
	}
	got, err := ParseSAN(ext.Value)
	if err != nil {
		t.Fatal(err)
	}
	want := sample
	want.NameSubstitutes = "00000"              // 5 runes, including U+3000
	want.AddressSubstitutes = "000000000000000" // 15 runes
	if got != want {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	// The wire order is the one real cards use.
	if string(ext.Value) != string(buildSAN(good()...)) {
		t.Errorf("SAN bytes differ from the real-card order")
	}
}

func TestSANExtensionRejects(t *testing.T) {
	bad := []func(a *Attributes){
		func(a *Attributes) { a.Name = "" },
		func(a *Attributes) { a.Gender = "4" },
		func(a *Attributes) { a.Birthdate = "1990-02-30" },
		func(a *Attributes) { a.Birthdate = "19900102" },
		func(a *Attributes) { a.BirthEra = 9 },
		func(a *Attributes) { a.Address = "" },
		func(a *Attributes) { a.NameSubstitutes = "0x" },
		func(a *Attributes) { a.Name = "\xff" },
	}
	for i, f := range bad {
		a := sample
		f(&a)
		if _, err := SANExtension(a); err == nil {
			t.Errorf("case %d: SANExtension accepted %+v", i, a)
		}
	}
}

func TestEraOf(t *testing.T) {
	cases := map[string]int{
		"1867-12-31": EraUnknown,
		"1868-01-25": EraMeiji,
		"1912-07-29": EraMeiji,
		"1912-07-30": EraTaisho,
		"1926-12-24": EraTaisho,
		"1926-12-25": EraShowa,
		"1989-01-07": EraShowa,
		"1989-01-08": EraHeisei,
		"2019-04-30": EraHeisei,
		"2019-05-01": EraReiwa,
	}
	for s, want := range cases {
		d, err := ParseBirthdate(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := EraOf(d); got != want {
			t.Errorf("EraOf(%s) = %d, want %d", s, got, want)
		}
	}
}

func TestOIDCGender(t *testing.T) {
	for code, want := range map[string]string{"1": "male", "2": "female", "3": "other", "": "", "9": ""} {
		if got := (Attributes{Gender: code}).OIDCGender(); got != want {
			t.Errorf("%q: got %q want %q", code, got, want)
		}
	}
}

func selfSigned(t *testing.T, tmpl *x509.Certificate) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func TestExtractFromCertificate(t *testing.T) {
	ext, err := SANExtension(sample)
	if err != nil {
		t.Fatal(err)
	}
	cert := selfSigned(t, &x509.Certificate{
		SerialNumber:    big.NewInt(0x054cfcd8),
		Subject:         pkix.Name{CommonName: "test"},
		NotBefore:       time.Now(),
		NotAfter:        time.Now().Add(time.Hour),
		ExtraExtensions: []pkix.Extension{ext},
	})
	a, err := Extract(cert)
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != sample.Name || a.Birthdate != sample.Birthdate {
		t.Fatalf("got %+v", a)
	}

	noSAN := selfSigned(t, &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)})
	if _, err := Extract(noSAN); !errors.Is(err, ErrNoSAN) {
		t.Fatalf("no SAN: got %v", err)
	}
}

func TestCardID(t *testing.T) {
	// Self-signed CA certificates from crypto/x509 carry an AKI equal to
	// their SKI; that is enough to exercise CardIDOf.
	cert := selfSigned(t, &x509.Certificate{
		SerialNumber:          big.NewInt(0x054cfcd8),
		NotBefore:             time.Now(),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		SubjectKeyId:          []byte{0xde, 0xad, 0xbe, 0xef},
		AuthorityKeyId:        []byte{0xde, 0xad, 0xbe, 0xef},
	})
	id, err := CardIDOf(cert)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := id.String(), "deadbeef:054cfcd8"; got != want {
		t.Fatalf("String = %q, want %q", got, want)
	}
	if !id.NotAfter.Equal(cert.NotAfter) {
		t.Errorf("NotAfter = %v", id.NotAfter)
	}
	back, err := ParseCardID(id.String())
	if err != nil || !back.Equal(id) {
		t.Fatalf("ParseCardID round trip: %v %v", back, err)
	}
	// Mutating the certificate must not change the id.
	cert.AuthorityKeyId[0] = 0
	cert.SerialNumber.SetInt64(7)
	if id.String() != "deadbeef:054cfcd8" {
		t.Errorf("CardID aliases the certificate")
	}

	noAKI := *cert
	noAKI.AuthorityKeyId = nil
	if _, err := CardIDOf(&noAKI); !errors.Is(err, ErrNoAuthorityKeyID) {
		t.Errorf("no AKI: got %v", err)
	}
	noSerial := *cert
	noSerial.AuthorityKeyId = []byte{1}
	noSerial.SerialNumber = big.NewInt(0)
	if _, err := CardIDOf(&noSerial); !errors.Is(err, ErrNoSerial) {
		t.Errorf("zero serial: got %v", err)
	}
	for _, s := range []string{"", ":", "ab:", ":01", "AB:01", "ab:0001", "ab:00", "zz:01", "ab:01:02"} {
		if _, err := ParseCardID(s); err == nil {
			t.Errorf("ParseCardID(%q) accepted", s)
		}
	}
}
