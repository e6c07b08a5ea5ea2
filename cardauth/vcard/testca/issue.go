package testca

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"github.com/inkan-id/inkan/cardauth/identity"
	"github.com/inkan-id/inkan/cardauth/profile"
)

// Holder is the synthetic person a certificate is issued to. Never use a
// real person's data.
type Holder struct {
	// Name is 氏名, surname and given name separated by U+3000. Sign only.
	Name string
	// Birthdate is ISO "YYYY-MM-DD". Required for both kinds: it sets the
	// expiry (5th birthday after issuance).
	Birthdate string
	// Address is 住所 from the prefecture on. Sign only.
	Address string
	// Gender is "1" male, "2" female or "3" unknown. Sign only.
	Gender string
}

// Options deviates from the real profile. The zero value, or a nil
// *Options, issues the real profile; each non-zero field replaces one part
// of it so verifier tests can build deliberately wrong certificates.
type Options struct {
	// NotBefore and NotAfter replace the computed validity.
	NotBefore, NotAfter time.Time
	// Policies replaces the policy OID (each still gets the CPS qualifier);
	// nil keeps the default, a non-nil empty slice writes no policies.
	Policies []asn1.ObjectIdentifier
	// ExtKeyUsage replaces the EKU (clientAuth on auth, none on sign).
	ExtKeyUsage []x509.ExtKeyUsage
	// OmitEKU drops the EKU extension altogether.
	OmitEKU bool
	// KeyUsage replaces digitalSignature (auth) or
	// digitalSignature|nonRepudiation (sign).
	KeyUsage x509.KeyUsage
	// CommonName replaces the random 23-character subject CN.
	CommonName string
}

// ErrBadHolder is wrapped by Issue's errors about Holder fields.
var ErrBadHolder = errors.New("testca: invalid holder")

// jst is Japan Standard Time; the 5th-birthday rule counts JST days.
var jst = time.FixedZone("JST", 9*3600)

// Issue certifies pub as an end-entity certificate of kind k for h, issued
// at now, following jpki.md §5.2 (auth) or §5.3 (sign) unless opt says
// otherwise. pub may be any key crypto/x509 can certify: RSA-2048 like
// today's cards, or ECDSA P-384 for the next-generation card.
func (ca *CA) Issue(k Kind, pub crypto.PublicKey, h Holder, now time.Time, opt *Options) (*x509.Certificate, error) {
	if opt == nil {
		opt = &Options{}
	}
	r, err := ca.root(k)
	if err != nil {
		return nil, err
	}
	birth, err := identity.ParseBirthdate(h.Birthdate)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadHolder, err)
	}
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("testca: public key: %w", err)
	}
	ski, err := keyID(spki)
	if err != nil {
		return nil, err
	}

	now = now.UTC().Truncate(time.Second)
	notBefore, notAfter := now, expiry(birth, now)
	if notAfter.After(r.cert.NotAfter) {
		notAfter = r.cert.NotAfter
	}
	if !opt.NotBefore.IsZero() {
		notBefore = opt.NotBefore
	}
	if !opt.NotAfter.IsZero() {
		notAfter = opt.NotAfter
	}
	if !notAfter.After(notBefore) {
		return nil, fmt.Errorf("testca: notAfter %s is not after notBefore %s", notAfter, notBefore)
	}

	cn := opt.CommonName
	if cn == "" {
		if cn, err = randomCardCN(); err != nil {
			return nil, err
		}
	}
	policies := opt.Policies
	if policies == nil {
		policies = []asn1.ObjectIdentifier{profile.PolicyAuth}
		if k == Sign {
			policies = []asn1.ObjectIdentifier{profile.PolicySign}
		}
	}
	polExt, err := policiesExt(policies)
	if err != nil {
		return nil, err
	}
	ku := opt.KeyUsage
	if ku == 0 {
		ku = x509.KeyUsageDigitalSignature
		if k == Sign {
			ku |= x509.KeyUsageContentCommitment // nonRepudiation
		}
	}
	var eku []x509.ExtKeyUsage
	switch {
	case opt.OmitEKU:
	case opt.ExtKeyUsage != nil:
		eku = opt.ExtKeyUsage
	case k == Auth:
		eku = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}

	exts := []pkix.Extension{
		polExt,
		akiExt(r.cert),
		crlDPExt(crlDPDN(k)),
		altNameExt(oidExtIssuerAltName, issuerAltDN(k)),
	}
	if k == Sign {
		san, err := identity.SANExtension(identity.Attributes{
			Name:      h.Name,
			Gender:    h.Gender,
			Birthdate: h.Birthdate,
			BirthEra:  identity.EraOf(birth),
			Address:   h.Address,
		})
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadHolder, err)
		}
		exts = append(exts, san)
	}

	ocspURL := ca.OCSPURL
	if ocspURL == "" {
		ocspURL = DefaultOCSPURL
	}

	// Hold the lock from choosing the serial to recording it, so two
	// concurrent Issue calls cannot pick the same one.
	ca.mu.Lock()
	defer ca.mu.Unlock()
	serial, err := randomSerial(r.issued)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:       serial,
		RawSubject:         subjectDN(k, cn),
		NotBefore:          notBefore,
		NotAfter:           notAfter,
		SignatureAlgorithm: x509.SHA256WithRSA,
		KeyUsage:           ku,
		ExtKeyUsage:        eku,
		SubjectKeyId:       ski,
		OCSPServer:         []string{ocspURL},
		ExtraExtensions:    exts,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, r.cert, pub, r.key)
	if err != nil {
		return nil, fmt.Errorf("testca: issue %s certificate: %w", k, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("testca: parse issued certificate: %w", err)
	}
	r.issued[serialKey(serial)] = true
	return cert, nil
}

// expiry is 23:59:59 JST (14:59:59Z) on the holder's 5th birthday after
// the issuance day (jpki.md §5.2: issued 2022-11-23 to someone born on
// 23 September expires 2027-09-23T14:59:59Z). A birthday on the issuance
// day itself does not count. A 29 February birthday falls on 28 February in
// common years: under Japanese law (年齢計算ニ関スル法律) such a person
// reaches the next age at the end of 28 February.
func expiry(birth, issued time.Time) time.Time {
	d := issued.In(jst)
	issuedDay := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, jst)
	year := d.Year()
	if !birthday(birth, year).After(issuedDay) {
		year++
	}
	b := birthday(birth, year+4)
	return time.Date(b.Year(), b.Month(), b.Day(), 23, 59, 59, 0, jst).UTC()
}

// birthday is midnight JST of the holder's birthday in year.
func birthday(birth time.Time, year int) time.Time {
	m, day := birth.Month(), birth.Day()
	if m == time.February && day == 29 && !isLeap(year) {
		day = 28
	}
	return time.Date(year, m, day, 0, 0, 0, 0, jst)
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// randomCardCN returns an opaque 23-character ID shaped like
// "997794E9AGCIEG13221003A" (digits and upper-case letters).
func randomCardCN() (string, error) {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	var b [23]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("testca: subject id: %w", err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)] // slight bias is fine for an opaque test id
	}
	return string(b[:]), nil
}
