package inkansdk

import (
	"bytes"
	"crypto/x509"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Store keeps small values for the SDK between app launches. Today it
// holds one: the user-authentication certificate of the last card that
// logged in, so that the next login can skip reading it from the card
// (5 APDUs instead of about 13). That certificate identifies a card but
// names no person. The signature certificate, which holds name, address
// and birth date, is never stored.
//
// Set Config.CacheDir to let the SDK keep files there, or give the Agent
// your own Store (e.g. on top of SharedPreferences or the Keychain) with
// SetStore. Without either, the cache lives as long as the Agent.
type Store interface {
	// Load returns the value of key, or nil (and no error) if there is none.
	Load(key string) ([]byte, error)
	// Save stores value under key; an empty value deletes the key.
	Save(key string, value []byte) error
}

// authCertKey is the Store key of the cached auth certificate.
const authCertKey = "auth-certificate"

// memStore is the Store of an Agent without CacheDir.
type memStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (s *memStore) Load(key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.m[key]), nil
}

func (s *memStore) Save(key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(value) == 0 {
		delete(s.m, key)
		return nil
	}
	if s.m == nil {
		s.m = map[string][]byte{}
	}
	s.m[key] = bytes.Clone(value)
	return nil
}

// dirStore keeps each key in a file "inkan-KEY" of a directory, written
// atomically with mode 0600.
type dirStore struct{ dir string }

func newDirStore(dir string) (*dirStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return &dirStore{dir: dir}, nil
}

func (s *dirStore) path(key string) (string, error) {
	for _, c := range key {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return "", errors.New("inkansdk: bad store key")
		}
	}
	return filepath.Join(s.dir, "inkan-"+key), nil
}

func (s *dirStore) Load(key string) ([]byte, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

func (s *dirStore) Save(key string, value []byte) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if len(value) == 0 {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	f, err := os.CreateTemp(s.dir, ".inkan-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(value); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), p)
}

// loadCert returns the cached auth certificate if it is a certificate still
// within its validity; otherwise nil (the card is read). Store errors only
// cost the warm path.
func loadCert(s Store, now time.Time) []byte {
	b, err := s.Load(authCertKey)
	if err != nil || len(b) == 0 || len(b) > 8<<10 {
		return nil
	}
	c, err := x509.ParseCertificate(b)
	if err != nil || now.After(c.NotAfter) {
		return nil
	}
	return b
}
