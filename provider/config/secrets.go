package config

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MasterKeySize is the length of the master key: an AES-256 key.
const MasterKeySize = 32

// LoadOrCreateMasterKey reads the master key: 32 bytes in standard base64
// (with or without padding; surrounding white space is ignored). The file
// must not be accessible to other users, since the key decrypts signing
// keys and personal attributes.
//
// If the file does not exist and create is true (dev mode), a new random
// key is written there with mode 0600, creating the directory with 0700.
// The key is written and synced under a temporary name first and then
// linked into place, which fails if the name exists: a reader never sees
// a partly written key, and two processes starting at once end up with
// the same key (the loser reads the winner's file).
func LoadOrCreateMasterKey(path string, create bool) ([]byte, error) {
	key, err := readMasterKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) || !create {
		return key, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	key = make([]byte, MasterKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".master.key-*")
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, werr := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err := errors.Join(werr, f.Chmod(0o600), f.Sync(), f.Close()); err != nil {
		return nil, fmt.Errorf("master key: writing %s: %w", path, err)
	}
	if err := os.Link(tmp, path); errors.Is(err, fs.ErrExist) {
		return readMasterKey(path)
	} else if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	return key, nil
}

func readMasterKey(path string) ([]byte, error) {
	s, err := ReadSecretFile(path)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(s)
	}
	if err != nil {
		return nil, fmt.Errorf("master key: %s is not base64", path)
	}
	if len(key) != MasterKeySize {
		return nil, fmt.Errorf("master key: %s holds %d bytes; want %d (head -c32 /dev/urandom | base64)", path, len(key), MasterKeySize)
	}
	return key, nil
}

// ReadSecretFile reads a small secret (master key, Redis password, initial
// access token) from a file, trimming surrounding white space such as the
// final newline editors add. It refuses an empty file, and a file that
// other users may read or write: a secret others can read is not one.
func ReadSecretFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", path)
	}
	if fi.Mode().Perm()&0o007 != 0 {
		return "", fmt.Errorf("%s is accessible to other users (mode %04o); chmod o-rwx it", path, fi.Mode().Perm())
	}
	b, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil {
		return "", err
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return s, nil
}
