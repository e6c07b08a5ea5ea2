package vcard

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/inkan-id/inkan/cardauth/vcard/testca"
)

// Spec describes a card to issue.
type Spec struct {
	// Profile is ProfileCard (default when empty), ProfileAndroidSE or
	// ProfileIPhone.
	Profile string
	// AuthPIN is the 4-digit user-authentication PIN.
	AuthPIN string
	// SignPassword is the signature password, 6–16 of A–Z and 0–9 with both;
	// lower case is accepted and stored upper-cased, as the card holds it.
	// Ignored when NoSignCert is set.
	SignPassword string
	// Holder is the synthetic person on the certificates.
	Holder testca.Holder
	// NoSignCert issues a card without a signature certificate, like most
	// cards of holders under 15.
	NoSignCert bool
	// ATR overrides DefaultATR.
	ATR []byte
	// Filler is the number of FF bytes after each certificate's DER.
	Filler int
	// ExtendedLength lets the card accept extended Lc/Le.
	ExtendedLength bool
}

// Validate checks the spec without issuing anything: profile, PIN and
// password formats, filler range and ATR length.
func (s Spec) Validate() error {
	if s.Profile != "" && !knownProfile(s.Profile) {
		return fmt.Errorf("%w: unknown profile %q", ErrInvalidSpec, s.Profile)
	}
	if err := ValidateAuthPIN(s.AuthPIN); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidSpec, err)
	}
	if !s.NoSignCert {
		if _, err := NormalizeSignPassword(s.SignPassword); err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidSpec, err)
		}
	}
	if s.Filler < 0 || s.Filler > MaxFiller {
		return fmt.Errorf("%w: filler %d outside 0–%d", ErrInvalidSpec, s.Filler, MaxFiller)
	}
	if len(s.ATR) != 0 && (len(s.ATR) < 2 || len(s.ATR) > 33) {
		return fmt.Errorf("%w: ATR of %d bytes", ErrInvalidSpec, len(s.ATR))
	}
	return nil
}

// keyBits is the size of both card keys, as on today's cards (jpki.md §5).
const keyBits = 2048

// Issue makes a new card file: two fresh RSA-2048 keys, certificates for them
// from ca with the real profile, and full retry counters.
func Issue(ca *testca.CA, spec Spec, now time.Time) (*File, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if spec.Profile == "" {
		spec.Profile = ProfileCard
	}
	var password string
	if !spec.NoSignCert {
		password, _ = NormalizeSignPassword(spec.SignPassword)
	}
	f := &File{
		Version:        FileVersion,
		Profile:        spec.Profile,
		ATR:            append(HexBytes(nil), spec.ATR...),
		Filler:         spec.Filler,
		ExtendedLength: spec.ExtendedLength,
	}
	auth, err := issueKey(ca, testca.Auth, spec.Holder, now)
	if err != nil {
		return nil, err
	}
	f.Auth = AuthKey{KeyPair: auth, PIN: spec.AuthPIN, TriesLeft: MaxAuthTries}
	if !spec.NoSignCert {
		sign, err := issueKey(ca, testca.Sign, spec.Holder, now)
		if err != nil {
			return nil, err
		}
		f.Sign = &SignKey{KeyPair: sign, Password: password, TriesLeft: MaxSignTries}
	}
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSpec, err)
	}
	return f, nil
}

func issueKey(ca *testca.CA, k testca.Kind, h testca.Holder, now time.Time) (KeyPair, error) {
	key, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return KeyPair{}, err
	}
	cert, err := ca.Issue(k, &key.PublicKey, h, now, nil)
	if err != nil {
		return KeyPair{}, fmt.Errorf("vcard: issuing the %v certificate: %w", k, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return KeyPair{}, err
	}
	root := ca.Root(k)
	if root == nil {
		return KeyPair{}, fmt.Errorf("vcard: test CA has no %v root", k)
	}
	return KeyPair{PrivateKey: der, Certificate: cert.Raw, CACertificate: root.Raw}, nil
}
