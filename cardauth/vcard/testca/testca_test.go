package testca

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/inkan-id/inkan/cardauth/identity"
	"github.com/inkan-id/inkan/cardauth/profile"
)

// testNow is a fixed clock: 2026-11-27 16:30 JST.
var testNow = time.Date(2026, 11, 27, 7, 30, 0, 0, time.UTC)

// holder is synthetic; never use a real person's data in fixtures.
var holder = Holder{
	Name:      "試験\u3000太郎",
	Birthdate: "1985-09-23",
	Address:   "東京都千代田区千代田１－１",
	Gender:    "1",
}

var (
	sharedOnce sync.Once
	sharedCA   *CA
	sharedKey  *rsa.PrivateKey
	sharedErr  error
)

// shared returns one CA and one RSA-2048 holder key for the tests that do
// not depend on fresh state; RSA key generation dominates test time.
func shared(t *testing.T) (*CA, *rsa.PrivateKey) {
	t.Helper()
	sharedOnce.Do(func() {
		sharedCA, sharedErr = New(testNow.Add(-24 * time.Hour))
		if sharedErr == nil {
			sharedKey, sharedErr = rsa.GenerateKey(rand.Reader, 2048)
		}
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedCA, sharedKey
}

func findExt(t *testing.T, c *x509.Certificate, oid asn1.ObjectIdentifier) pkix.Extension {
	t.Helper()
	for _, e := range c.Extensions {
		if e.Id.Equal(oid) {
			return e
		}
	}
	t.Fatalf("extension %s missing", oid)
	return pkix.Extension{}
}

// crlDPDirName extracts the single DirName of a cRLDistributionPoints value.
func crlDPDirName(t *testing.T, v []byte) []byte {
	t.Helper()
	s := cryptobyte.String(v)
	var dps, dp, dpn, full, name cryptobyte.String
	if !s.ReadASN1(&dps, cbasn1.SEQUENCE) || !dps.ReadASN1(&dp, cbasn1.SEQUENCE) ||
		!dp.ReadASN1(&dpn, tagCtx0Constructed) || !dpn.ReadASN1(&full, tagCtx0Constructed) ||
		!full.ReadASN1(&name, tagDirectoryName) || !full.Empty() || !dps.Empty() {
		t.Fatalf("bad CRLDP %x", v)
	}
	return name
}

func TestRootProfile(t *testing.T) {
	ca, _ := shared(t)
	for _, k := range []Kind{Auth, Sign} {
		t.Run(k.String(), func(t *testing.T) {
			r := ca.Root(k)
			if len(r.UnhandledCriticalExtensions) != 0 {
				t.Errorf("unhandled critical extensions %v", r.UnhandledCriticalExtensions)
			}
			if err := r.CheckSignatureFrom(r); err != nil {
				t.Errorf("not self-signed: %v", err)
			}
			if !bytes.Equal(r.RawSubject, r.RawIssuer) {
				t.Error("subject != issuer")
			}
			dn := r.Subject.String()
			for _, want := range []string{"O=JPKI-EMU", "Inkan test CA - not for production", "C=JP"} {
				if !strings.Contains(dn, want) {
					t.Errorf("subject %q lacks %q", dn, want)
				}
			}
			if strings.Contains(dn, "O=JPKI,") || strings.Contains(dn, "Japan Agency") {
				t.Errorf("subject %q could pass as production", dn)
			}
			if r.PublicKey.(*rsa.PublicKey).N.BitLen() != 2048 || r.SignatureAlgorithm != x509.SHA256WithRSA {
				t.Error("want RSA-2048 sha256WithRSA")
			}
			if r.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign || !findExt(t, r, asn1.ObjectIdentifier{2, 5, 29, 15}).Critical {
				t.Errorf("key usage %v", r.KeyUsage)
			}
			if !r.IsCA || !findExt(t, r, asn1.ObjectIdentifier{2, 5, 29, 19}).Critical {
				t.Error("want critical CA:TRUE")
			}
			if len(r.SubjectKeyId) != 20 {
				t.Errorf("SKI %x", r.SubjectKeyId)
			}
			if got := crlDPDirName(t, findExt(t, r, oidExtCRLDP).Value); !bytes.Equal(got, r.RawSubject) {
				t.Error("CRLDP DirName != CA DN")
			}
			findExt(t, r, oidExtSubjectAltName)
			if !r.NotAfter.Equal(r.NotBefore.AddDate(10, 0, 0)) {
				t.Errorf("validity %v – %v", r.NotBefore, r.NotAfter)
			}
		})
	}
	if bytes.Equal(ca.Root(Auth).RawSubject, ca.Root(Sign).RawSubject) {
		t.Error("auth and sign roots share a DN")
	}
	if ca.Root(Kind(7)) != nil {
		t.Error("Root(7) != nil")
	}
}

// parseAKI returns keyid, issuer DirName and serial of an AKI value.
func parseAKI(t *testing.T, v []byte) (keyid, issuer []byte, serial *big.Int) {
	t.Helper()
	s := cryptobyte.String(v)
	var seq, kid, gns, dn, ser cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1(&kid, tagAKIKeyID) ||
		!seq.ReadASN1(&gns, tagAKICertIssuer) || !gns.ReadASN1(&dn, tagDirectoryName) ||
		!seq.ReadASN1(&ser, tagAKICertSerialNumber) || !seq.Empty() {
		t.Fatalf("bad AKI %x", v)
	}
	return kid, dn, new(big.Int).SetBytes(ser)
}

func checkCommon(t *testing.T, ca *CA, k Kind, c *x509.Certificate) {
	t.Helper()
	root := ca.Root(k)
	if len(c.UnhandledCriticalExtensions) != 0 {
		t.Errorf("unhandled critical extensions %v", c.UnhandledCriticalExtensions)
	}
	if err := c.CheckSignatureFrom(root); err != nil {
		t.Errorf("signature: %v", err)
	}
	if c.SignatureAlgorithm != x509.SHA256WithRSA {
		t.Errorf("signature algorithm %v", c.SignatureAlgorithm)
	}
	if n := len(c.SerialNumber.Bytes()); n != 4 || c.SerialNumber.Sign() <= 0 {
		t.Errorf("serial %x", c.SerialNumber)
	}
	if cn := c.Subject.CommonName; len(cn) != 23 {
		t.Errorf("CN %q", cn)
	}
	if c.Subject.Country[0] != "JP" {
		t.Errorf("subject %v", c.Subject)
	}
	pol := findExt(t, c, oidExtCertPolicies)
	if !pol.Critical {
		t.Error("certificatePolicies not critical")
	}
	if !bytes.Contains(pol.Value, []byte(profile.CPSURL)) {
		t.Error("no CPS qualifier")
	}
	kid, issuer, serial := parseAKI(t, findExt(t, c, oidExtAuthorityKeyID).Value)
	if !bytes.Equal(kid, root.SubjectKeyId) || !bytes.Equal(issuer, root.RawSubject) || serial.Cmp(root.SerialNumber) != 0 {
		t.Error("AKI does not name the root by keyid, DN and serial")
	}
	if !bytes.Equal(c.AuthorityKeyId, root.SubjectKeyId) {
		t.Error("crypto/x509 does not see the AKI keyid")
	}
	if len(c.SubjectKeyId) != 20 {
		t.Errorf("SKI %x", c.SubjectKeyId)
	}
	dp := crlDPDirName(t, findExt(t, c, oidExtCRLDP).Value)
	var rdns pkix.RDNSequence
	if _, err := asn1.Unmarshal(dp, &rdns); err != nil {
		t.Fatal(err)
	}
	var name pkix.Name
	name.FillFromRDNSequence(&rdns)
	if name.CommonName != "Chiyoda-ku CRLDP" || !strings.Contains(strings.Join(name.OrganizationalUnit, "|"), "CRL Distribution Points") {
		t.Errorf("CRLDP %v", name)
	}
	findExt(t, c, oidExtIssuerAltName)
	if len(c.OCSPServer) != 1 || c.OCSPServer[0] != DefaultOCSPURL && c.OCSPServer[0] != ca.OCSPURL {
		t.Errorf("AIA OCSP %v", c.OCSPServer)
	}
	id, err := identity.CardIDOf(c)
	if err != nil {
		t.Fatal(err)
	}
	if id.Serial.Cmp(c.SerialNumber) != 0 {
		t.Error("CardID serial")
	}
}

func TestIssueAuth(t *testing.T) {
	ca, key := shared(t)
	c, err := ca.Issue(Auth, &key.PublicKey, Holder{Birthdate: holder.Birthdate}, testNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkCommon(t, ca, Auth, c)
	if c.KeyUsage != x509.KeyUsageDigitalSignature || !findExt(t, c, asn1.ObjectIdentifier{2, 5, 29, 15}).Critical {
		t.Errorf("key usage %v", c.KeyUsage)
	}
	if len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
		t.Errorf("EKU %v", c.ExtKeyUsage)
	}
	if len(c.PolicyIdentifiers) != 1 || !c.PolicyIdentifiers[0].Equal(profile.PolicyAuth) {
		t.Errorf("policies %v", c.PolicyIdentifiers)
	}
	if len(c.Subject.Names) != 2 {
		t.Errorf("auth subject carries more than C and CN: %v", c.Subject)
	}
	if _, err := identity.Extract(c); !errors.Is(err, identity.ErrNoSAN) {
		t.Errorf("auth cert has a SAN: %v", err)
	}
	// Issued 2026-11-27; birthday 23 Sep; 5th birthday after is 2031-09-23.
	if want := time.Date(2031, 9, 23, 14, 59, 59, 0, time.UTC); !c.NotAfter.Equal(want) || !c.NotBefore.Equal(testNow) {
		t.Errorf("validity %v – %v, want notAfter %v", c.NotBefore, c.NotAfter, want)
	}

	pool := x509.NewCertPool()
	pool.AddCert(ca.Root(Auth))
	opts := x509.VerifyOptions{Roots: pool, CurrentTime: testNow.Add(time.Hour), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if _, err := c.Verify(opts); err != nil {
		t.Fatalf("chain: %v", err)
	}
	// The sign root must not validate an auth certificate.
	other := x509.NewCertPool()
	other.AddCert(ca.Root(Sign))
	opts.Roots = other
	if _, err := c.Verify(opts); err == nil {
		t.Fatal("auth certificate chains to the sign root")
	}
}

func TestIssueSign(t *testing.T) {
	ca, key := shared(t)
	ec, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for name, pub := range map[string]crypto.PublicKey{"rsa2048": &key.PublicKey, "p384": &ec.PublicKey} {
		t.Run(name, func(t *testing.T) {
			c, err := ca.Issue(Sign, pub, holder, testNow, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkCommon(t, ca, Sign, c)
			if c.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment {
				t.Errorf("key usage %v", c.KeyUsage)
			}
			if len(c.ExtKeyUsage) != 0 || len(c.UnknownExtKeyUsage) != 0 {
				t.Errorf("sign cert has EKU %v", c.ExtKeyUsage)
			}
			if len(c.PolicyIdentifiers) != 1 || !c.PolicyIdentifiers[0].Equal(profile.PolicySign) {
				t.Errorf("policies %v", c.PolicyIdentifiers)
			}
			if !strings.Contains(c.Subject.String(), "L=Chiyoda-ku") {
				t.Errorf("subject %v", c.Subject)
			}
			a, err := identity.Extract(c)
			if err != nil {
				t.Fatal(err)
			}
			if a.Name != holder.Name || a.Birthdate != holder.Birthdate || a.Address != holder.Address ||
				a.Gender != holder.Gender || a.BirthEra != identity.EraShowa || a.NameSubstitutes != "00000" {
				t.Errorf("extracted %+v", a)
			}
			pool := x509.NewCertPool()
			pool.AddCert(ca.Root(Sign))
			if _, err := c.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: testNow, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
				t.Fatalf("chain: %v", err)
			}
		})
	}
}

func TestIssueRejects(t *testing.T) {
	ca, key := shared(t)
	cases := map[string]struct {
		k   Kind
		h   Holder
		opt *Options
	}{
		"no birthdate":      {Auth, Holder{}, nil},
		"bad birthdate":     {Auth, Holder{Birthdate: "1985-02-30"}, nil},
		"sign without name": {Sign, Holder{Birthdate: "1985-09-23", Gender: "1", Address: "x"}, nil},
		"sign bad gender":   {Sign, Holder{Name: "a", Birthdate: "1985-09-23", Gender: "m", Address: "x"}, nil},
		"inverted validity": {Auth, holder, &Options{NotAfter: testNow.Add(-time.Hour)}},
		"bad kind":          {Kind(3), holder, nil},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := ca.Issue(c.k, &key.PublicKey, c.h, testNow, c.opt); err == nil {
				t.Fatal("issued")
			}
		})
	}
}

func TestOptions(t *testing.T) {
	ca, key := shared(t)
	pool := x509.NewCertPool()
	pool.AddCert(ca.Root(Auth))
	verify := func(c *x509.Certificate, at time.Time) error {
		_, err := c.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
		return err
	}
	issue := func(opt *Options) *x509.Certificate {
		t.Helper()
		c, err := ca.Issue(Auth, &key.PublicKey, holder, testNow, opt)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	c := issue(&Options{Policies: []asn1.ObjectIdentifier{profile.PolicyTestSign}})
	if !c.PolicyIdentifiers[0].Equal(profile.PolicyTestSign) || !findExt(t, c, oidExtCertPolicies).Critical {
		t.Errorf("policies %v", c.PolicyIdentifiers)
	}
	c = issue(&Options{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	if verify(c, testNow) == nil {
		t.Error("serverAuth-only certificate verified for clientAuth")
	}
	c = issue(&Options{OmitEKU: true})
	for _, e := range c.Extensions {
		if e.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 37}) {
			t.Error("EKU present with OmitEKU")
		}
	}
	c = issue(&Options{KeyUsage: x509.KeyUsageKeyEncipherment})
	if c.KeyUsage != x509.KeyUsageKeyEncipherment {
		t.Errorf("key usage %v", c.KeyUsage)
	}
	c = issue(&Options{CommonName: "NOT-23"})
	if c.Subject.CommonName != "NOT-23" {
		t.Errorf("CN %q", c.Subject.CommonName)
	}
	expired := testNow.Add(-time.Hour)
	c = issue(&Options{NotBefore: testNow.Add(-48 * time.Hour), NotAfter: expired})
	if !c.NotAfter.Equal(expired) || verify(c, testNow) == nil {
		t.Error("expired certificate verified")
	}
}

func TestExpiry(t *testing.T) {
	d := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		birth, issued, want string
	}{
		// jpki.md §5.2: 221123172927Z → 270923145959Z.
		{"1980-09-23", "2022-11-23T17:29:27Z", "2027-09-23T14:59:59Z"},
		// Birthday later in the issuance year counts as the first.
		{"1980-12-01", "2022-11-23T00:00:00Z", "2026-12-01T14:59:59Z"},
		// Issued on the birthday itself: that day does not count.
		{"1980-11-23", "2022-11-23T03:00:00Z", "2027-11-23T14:59:59Z"},
		// 15:30Z on 22 Nov is 00:30 JST on 23 Nov, the birthday: JST decides.
		{"1980-11-23", "2022-11-22T15:30:00Z", "2027-11-23T14:59:59Z"},
		{"1980-11-23", "2022-11-22T14:30:00Z", "2026-11-23T14:59:59Z"},
		// 29 February: 28 February in common years, 29 in leap years.
		{"2000-02-29", "2022-03-01T00:00:00Z", "2027-02-28T14:59:59Z"},
		{"2000-02-29", "2023-03-01T00:00:00Z", "2028-02-29T14:59:59Z"},
	}
	for _, c := range cases {
		birth, err := identity.ParseBirthdate(c.birth)
		if err != nil {
			t.Fatal(err)
		}
		if got := expiry(birth, d(c.issued)); !got.Equal(d(c.want)) {
			t.Errorf("born %s issued %s: got %s want %s", c.birth, c.issued, got.Format(time.RFC3339), c.want)
		}
	}
}

func TestExpiryCappedByRoot(t *testing.T) {
	ca, key := shared(t)
	late := ca.Root(Auth).NotAfter.Add(-24 * time.Hour)
	c, err := ca.Issue(Auth, &key.PublicKey, holder, late, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !c.NotAfter.Equal(ca.Root(Auth).NotAfter) {
		t.Errorf("notAfter %v beyond root %v", c.NotAfter, ca.Root(Auth).NotAfter)
	}
}
