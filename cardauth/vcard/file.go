package vcard

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// FileVersion is the card-file format version this package reads and writes.
const FileVersion = 1

// Profiles: which kind of JPKI token the card pretends to be (jpki.md §11.1).
const (
	ProfileCard      = "card"       // physical My Number Card, token JPKIAPICCTOKEN2
	ProfileAndroidSE = "android-se" // Android smartphone certificate, JPKIAPGPSETOKEN
	ProfileIPhone    = "iphone"     // iPhone smartphone certificate, JPKIAPIOSTOKEN
)

// Maximum tries of the two PINs (jpki.md §3).
const (
	MaxAuthTries = 3
	MaxSignTries = 5
)

// MaxFiller bounds File.Filler so a hand-edited file cannot make the card
// allocate without limit.
const MaxFiller = 4096

// File is the on-disk form of a card: its profile, keys, certificates, PINs and
// the PIN retry counters. It is JSON; byte fields are base64 (PKCS#8 and DER),
// the ATR is hex. It holds private keys and PINs: keep it 0600.
type File struct {
	Version int    `json:"version"`
	Profile string `json:"profile"`
	// ATR is the answer-to-reset; empty means DefaultATR.
	ATR HexBytes `json:"atr,omitempty"`
	// Filler is the number of FF bytes after the DER in each certificate EF
	// (real cards pad; the value and length are uncertain, jpki.md §11.2).
	Filler int `json:"filler,omitempty"`
	// ExtendedLength makes the card accept extended Lc/Le. Off, like the
	// "JPKI (03)" generation whose ATR advertises no extended length.
	ExtendedLength bool `json:"extended_length,omitempty"`
	// EmptyVerifyOK makes an empty VERIFY answer 9000 while the PIN is
	// verified, as some cards do (jpki.md §2.3, single source). Off: 63Cx.
	EmptyVerifyOK bool `json:"empty_verify_ok,omitempty"`

	Auth AuthKey  `json:"auth"`
	Sign *SignKey `json:"sign,omitempty"` // nil: no signature certificate (e.g. under 15)
}

// KeyPair is a JPKI key with its certificate and the CA certificate stored on
// the card next to it.
type KeyPair struct {
	PrivateKey    []byte `json:"private_key"`    // PKCS#8 DER
	Certificate   []byte `json:"certificate"`    // end-entity DER
	CACertificate []byte `json:"ca_certificate"` // issuing CA DER
}

// AuthKey is the user-authentication key (利用者証明用) and its 4-digit PIN.
type AuthKey struct {
	KeyPair
	PIN       string `json:"pin"`
	TriesLeft int    `json:"tries_left"`
}

// SignKey is the signature key (署名用) and its password.
type SignKey struct {
	KeyPair
	Password  string `json:"password"`
	TriesLeft int    `json:"tries_left"`
}

// HexBytes marshals as a hex string in JSON.
type HexBytes []byte

// MarshalJSON encodes b as upper-case hex.
func (b HexBytes) MarshalJSON() ([]byte, error) {
	return json.Marshal(strings.ToUpper(hex.EncodeToString(b)))
}

// UnmarshalJSON decodes hex, ignoring spaces.
func (b *HexBytes) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	v, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// Clone returns a deep copy of f.
func (f *File) Clone() *File {
	g := *f
	g.ATR = append(HexBytes(nil), f.ATR...)
	g.Auth.KeyPair = f.Auth.KeyPair.clone()
	if f.Sign != nil {
		s := *f.Sign
		s.KeyPair = f.Sign.KeyPair.clone()
		g.Sign = &s
	}
	return &g
}

func (k KeyPair) clone() KeyPair {
	return KeyPair{
		PrivateKey:    append([]byte(nil), k.PrivateKey...),
		Certificate:   append([]byte(nil), k.Certificate...),
		CACertificate: append([]byte(nil), k.CACertificate...),
	}
}

// Validate checks everything the card relies on: version, profile, PIN
// formats, counters in range, and that each private key is RSA and matches
// its certificate.
func (f *File) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidFile}, a...)...)
	}
	if f.Version != FileVersion {
		return bad("version %d, want %d", f.Version, FileVersion)
	}
	if !knownProfile(f.Profile) {
		return bad("unknown profile %q", f.Profile)
	}
	if len(f.ATR) != 0 && (len(f.ATR) < 2 || len(f.ATR) > 33) {
		return bad("ATR of %d bytes", len(f.ATR))
	}
	if f.Filler < 0 || f.Filler > MaxFiller {
		return bad("filler %d outside 0–%d", f.Filler, MaxFiller)
	}
	if err := ValidateAuthPIN(f.Auth.PIN); err != nil {
		return bad("auth: %v", err)
	}
	if f.Auth.TriesLeft < 0 || f.Auth.TriesLeft > MaxAuthTries {
		return bad("auth tries_left %d outside 0–%d", f.Auth.TriesLeft, MaxAuthTries)
	}
	if err := f.Auth.KeyPair.validate(); err != nil {
		return bad("auth: %v", err)
	}
	if f.Sign != nil {
		if p, err := NormalizeSignPassword(f.Sign.Password); err != nil || p != f.Sign.Password {
			return bad("sign: password must be 6–16 of A–Z and 0–9, mixing both")
		}
		if f.Sign.TriesLeft < 0 || f.Sign.TriesLeft > MaxSignTries {
			return bad("sign tries_left %d outside 0–%d", f.Sign.TriesLeft, MaxSignTries)
		}
		if err := f.Sign.KeyPair.validate(); err != nil {
			return bad("sign: %v", err)
		}
	}
	return nil
}

func (k KeyPair) validate() error {
	key, err := parseKey(k.PrivateKey)
	if err != nil {
		return err
	}
	cert, err := x509.ParseCertificate(k.Certificate)
	if err != nil {
		return fmt.Errorf("certificate: %v", err)
	}
	if pub, ok := cert.PublicKey.(*rsa.PublicKey); !ok || !pub.Equal(&key.PublicKey) {
		return fmt.Errorf("certificate does not match the private key")
	}
	if _, err := x509.ParseCertificate(k.CACertificate); err != nil {
		return fmt.Errorf("CA certificate: %v", err)
	}
	return nil
}

func parseKey(der []byte) (*rsa.PrivateKey, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("private key: %v", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("private key is %T, want RSA", k)
	}
	return rk, nil
}

func knownProfile(p string) bool {
	switch p {
	case ProfileCard, ProfileAndroidSE, ProfileIPhone:
		return true
	}
	return false
}

// ReadFile reads and validates a card file without making a card of it.
func ReadFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f := new(File)
	if err := json.Unmarshal(b, f); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidFile, path, err)
	}
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// WriteFile writes f to path atomically with mode 0600: a temporary file in
// the same directory, fsync, rename, then fsync of the directory, so a crash
// leaves either the old or the new file, never a torn one.
func WriteFile(path string, f *File) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer os.Remove(name) // no-op after a successful rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(name, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
