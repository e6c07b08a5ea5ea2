package config

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestMasterKeyCreateThenLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "master.key")
	if _, err := LoadOrCreateMasterKey(path, false); err == nil {
		t.Fatal("missing key accepted without create")
	}
	k1, err := LoadOrCreateMasterKey(path, true)
	if err != nil || len(k1) != MasterKeySize {
		t.Fatalf("create: %v, %d bytes", err, len(k1))
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, %v", fi.Mode(), err)
	}
	k2, err := LoadOrCreateMasterKey(path, true)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("second call did not read the same key: %v", err)
	}
}

func TestMasterKeyRace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := LoadOrCreateMasterKey(path, true)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if !bytes.Equal(k, keys[0]) {
			t.Fatal("racing creators ended with different keys")
		}
	}
}

func TestMasterKeyBadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := base64.StdEncoding.EncodeToString(make([]byte, 32))
	for _, tc := range []struct {
		name, content string
		mode          os.FileMode
		want          string
	}{
		{"short", base64.StdEncoding.EncodeToString(make([]byte, 16)), 0o600, "16 bytes"},
		{"not base64", "!!!", 0o600, "not base64"},
		{"empty", "\n", 0o600, "empty"},
		{"world readable", good, 0o644, "other users"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := write(tc.name, tc.content, tc.mode)
			_, err := LoadOrCreateMasterKey(p, true)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v; want an error containing %q", err, tc.want)
			}
		})
	}
	// Unpadded base64 and a trailing newline are fine.
	p := write("raw", base64.RawStdEncoding.EncodeToString(make([]byte, 32))+"\n", 0o640)
	if _, err := LoadOrCreateMasterKey(p, false); err != nil {
		t.Errorf("unpadded key: %v", err)
	}
}
