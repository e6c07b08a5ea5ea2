package testca

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Files in a CA directory. Keys are PKCS #8 PEM with mode 0600.
const (
	fileRevoked = "revoked.json"
	fileIssued  = "issued.json"
)

func certFile(k Kind) string { return k.String() + "-root.pem" }
func keyFile(k Kind) string  { return k.String() + "-root-key.pem" }

// revokedEntry is one line of revoked.json.
type revokedEntry struct {
	Serial string    `json:"serial"` // lowercase hex
	Reason int       `json:"reason"`
	At     time.Time `json:"at"`
}

// Save writes the CA to dir (created 0700 if missing): <kind>-root.pem,
// <kind>-root-key.pem (0600), issued.json and revoked.json. Each file is
// replaced atomically (temp file, fsync, rename), so a crash leaves either
// the old or the new version of each file, never a torn one.
func (ca *CA) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("testca: %w", err)
	}
	ca.mu.Lock()
	issued := map[string][]string{}
	revoked := map[string][]revokedEntry{}
	for _, k := range []Kind{Auth, Sign} {
		r := ca.roots[k]
		list := []string{}
		for s := range r.issued {
			list = append(list, s)
		}
		sort.Strings(list)
		issued[k.String()] = list
		rl := []revokedEntry{}
		for s, rv := range r.revoked {
			rl = append(rl, revokedEntry{Serial: s, Reason: rv.Reason, At: rv.At})
		}
		sort.Slice(rl, func(i, j int) bool { return rl[i].Serial < rl[j].Serial })
		revoked[k.String()] = rl
	}
	ca.mu.Unlock()

	for _, k := range []Kind{Auth, Sign} {
		r := ca.roots[k]
		keyDER, err := x509.MarshalPKCS8PrivateKey(r.key)
		if err != nil {
			return fmt.Errorf("testca: %w", err)
		}
		if err := writeAtomic(filepath.Join(dir, keyFile(k)), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
			return err
		}
		if err := writeAtomic(filepath.Join(dir, certFile(k)), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.cert.Raw}), 0o644); err != nil {
			return err
		}
	}
	for name, v := range map[string]any{fileIssued: issued, fileRevoked: revoked} {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return fmt.Errorf("testca: %w", err)
		}
		if err := writeAtomic(filepath.Join(dir, name), append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writeAtomic replaces path with data via a temporary file in the same
// directory.
func writeAtomic(path string, data []byte, perm os.FileMode) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("testca: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	// Set the mode before writing so a private key is never readable by
	// others, even for a moment.
	if err = f.Chmod(perm); err != nil {
		return fmt.Errorf("testca: %w", err)
	}
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("testca: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("testca: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("testca: %w", err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("testca: %w", err)
	}
	return nil
}

// Load reads a CA written by Save. It checks that each key matches its
// certificate and that the roots are JPKI-EMU test roots, so a production
// or foreign key can never be loaded as the test CA. OCSPURL is not stored;
// set it after loading.
func Load(dir string) (*CA, error) {
	ca := &CA{}
	for _, k := range []Kind{Auth, Sign} {
		r, err := loadRoot(dir, k)
		if err != nil {
			return nil, err
		}
		ca.roots[k] = r
	}
	var issued map[string][]string
	if err := readJSON(filepath.Join(dir, fileIssued), &issued); err != nil {
		return nil, err
	}
	var revoked map[string][]revokedEntry
	if err := readJSON(filepath.Join(dir, fileRevoked), &revoked); err != nil {
		return nil, err
	}
	for _, k := range []Kind{Auth, Sign} {
		r := ca.roots[k]
		for _, s := range issued[k.String()] {
			n, err := parseSerial(s)
			if err != nil {
				return nil, fmt.Errorf("testca: %s: %w", fileIssued, err)
			}
			r.issued[serialKey(n)] = true
		}
		for _, e := range revoked[k.String()] {
			n, err := parseSerial(e.Serial)
			if err != nil {
				return nil, fmt.Errorf("testca: %s: %w", fileRevoked, err)
			}
			if !r.issued[serialKey(n)] {
				return nil, fmt.Errorf("testca: %s: %s serial %s revoked but never issued", fileRevoked, k, e.Serial)
			}
			r.revoked[serialKey(n)] = revocation{Serial: n, Reason: e.Reason, At: e.At.UTC()}
		}
	}
	return ca, nil
}

func parseSerial(s string) (*big.Int, error) {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok || n.Sign() <= 0 || serialKey(n) != s {
		return nil, fmt.Errorf("bad serial %q", s)
	}
	return n, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("testca: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("testca: %s: %w", filepath.Base(path), err)
	}
	return nil
}

func loadRoot(dir string, k Kind) (*root, error) {
	cert, err := readPEMCert(filepath.Join(dir, certFile(k)))
	if err != nil {
		return nil, err
	}
	kb, err := os.ReadFile(filepath.Join(dir, keyFile(k)))
	if err != nil {
		return nil, fmt.Errorf("testca: %w", err)
	}
	block, _ := pem.Decode(kb)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("testca: %s: no PRIVATE KEY block", keyFile(k))
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("testca: %s: %w", keyFile(k), err)
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("testca: %s: not an RSA key", keyFile(k))
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("testca: %s does not match %s", keyFile(k), certFile(k))
	}
	if string(cert.RawSubject) != string(rootDN(k)) || !cert.IsCA {
		return nil, fmt.Errorf("testca: %s is not a JPKI-EMU %s test root", certFile(k), k)
	}
	return &root{cert: cert, key: key, issued: map[string]bool{}, revoked: map[string]revocation{}}, nil
}

func readPEMCert(path string) (*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("testca: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("testca: %s: no CERTIFICATE block", filepath.Base(path))
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("testca: %s: %w", filepath.Base(path), err)
	}
	return cert, nil
}

// LoadOrCreate loads the CA in dir, or creates and saves a new one when dir
// holds no CA files. A directory with only some of the files is an error,
// never overwritten: that would throw away a key other tests pinned.
func LoadOrCreate(dir string, now time.Time) (*CA, error) {
	var present, missing []string
	for _, name := range []string{certFile(Auth), keyFile(Auth), certFile(Sign), keyFile(Sign), fileIssued, fileRevoked} {
		_, err := os.Stat(filepath.Join(dir, name))
		switch {
		case err == nil:
			present = append(present, name)
		case errors.Is(err, fs.ErrNotExist):
			missing = append(missing, name)
		default:
			return nil, fmt.Errorf("testca: %w", err)
		}
	}
	if len(present) > 0 && len(missing) > 0 {
		return nil, fmt.Errorf("testca: %s holds an incomplete CA (missing %s); refusing to overwrite", dir, strings.Join(missing, ", "))
	}
	if len(present) > 0 {
		return Load(dir)
	}
	ca, err := New(now)
	if err != nil {
		return nil, err
	}
	if err := ca.Save(dir); err != nil {
		return nil, err
	}
	return ca, nil
}
