package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

// The provider binds a transaction to the first agent that fetches it (its
// claim token, docs/bridge.md §2.1). A phone app stays open between a
// wrong PIN and the next try; inkan-reader is a new process each time a
// link is opened. So that opening the same link again on this computer is
// still the same device, the token is derived from a random key kept per
// user: HMAC-SHA256(key, transaction URL). Different transactions get
// unrelated tokens, so the provider cannot link them through it.

const claimKeySize = 32

// claimToken returns this user's claim token for the transaction at txURL.
func claimToken(txURL string) (string, error) {
	key, err := claimKey()
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("inkan-reader claim v1\x00" + txURL))
	return protocol.EncodeBase64URL(mac.Sum(nil)), nil
}

// claimKeyPath is $XDG_CONFIG_HOME/inkan-reader/claim.key (or the
// platform's config directory).
func claimKeyPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "inkan-reader", "claim.key"), nil
}

// claimKey reads the key, making it on first use (mode 0600; two
// instances starting at once agree on the one linked into place first).
func claimKey() ([]byte, error) {
	path, err := claimKeyPath()
	if err != nil {
		return nil, err
	}
	for range 2 {
		b, err := os.ReadFile(path)
		switch {
		case err == nil && len(b) == claimKeySize:
			return b, nil
		case err == nil:
			return nil, fmt.Errorf("%s is damaged; delete it", path)
		case !errors.Is(err, fs.ErrNotExist):
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		// Write a temporary file, then link it into place: a reader never
		// sees half a key, and an existing key is never replaced.
		f, err := os.CreateTemp(filepath.Dir(path), ".claim-*.tmp") // mode 0600
		if err != nil {
			return nil, err
		}
		key := make([]byte, claimKeySize)
		rand.Read(key)
		_, err = f.Write(key)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Link(f.Name(), path)
		}
		_ = os.Remove(f.Name())
		switch {
		case errors.Is(err, fs.ErrExist):
			continue // another instance was first: use its key
		case err != nil:
			return nil, err
		}
		return key, nil
	}
	return nil, fmt.Errorf("%s: could not create the key", path)
}
