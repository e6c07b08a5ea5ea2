package verify

import (
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/inkan-id/inkan/cardauth/vcard/testca"
)

// realRootsDir holds the published J-LIS roots, outside the repository
// (they must not be copied into it).
const realRootsDir = "../../../shared/testdata/jpki-roots"

func realRootPaths(t *testing.T) []string {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(realRootsDir, "*.pem"))
	if len(paths) == 0 {
		t.Skip("J-LIS roots not found in " + realRootsDir)
	}
	return paths
}

// mustPinnedRoots loads the real roots in production mode, or returns nil
// when they are absent.
func mustPinnedRoots(t *testing.T) *Roots {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(realRootsDir, "*.pem"))
	if len(paths) == 0 {
		return nil
	}
	r, err := LoadRoots(paths, Production)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestLoadRealRootsProduction(t *testing.T) {
	r, err := LoadRoots(realRootPaths(t), Production)
	if err != nil {
		t.Fatal(err)
	}
	if r.Len() != 4 || r.Mode() != Production {
		t.Fatalf("%d roots in %v mode, want 4 in production", r.Len(), r.Mode())
	}
	// Subject key identifiers as printed by openssl for the published files.
	want := map[string]Purpose{
		"9567951b5ca70d84a0fff1d85a87f1aab1340385": Auth, // auth 2015
		"1ac100f596a3bc8c4b3df195e32699249e9e308a": Auth, // auth 2023
		"0d034cbb34d0714f45e45a1cafd8fd143fab54a7": Sign, // sign 2015
		"d21ea55895617e93adbf966b941ab4edf653f08f": Sign, // sign 2023
	}
	for kidHex, purpose := range want {
		kid, _ := hex.DecodeString(kidHex)
		c, ok := r.ByKeyID(kid)
		if !ok {
			t.Errorf("no root with SKI %s", kidHex)
			continue
		}
		rt := r.byKID[string(kid)]
		if rt.pinned == nil || rt.pinned.purpose != purpose {
			t.Errorf("root %s: pin %+v, want %v", c.Subject, rt.pinned, purpose)
		}
	}
	// Two generations of one hierarchy share a DN; only the key id tells them apart.
	a, _ := r.ByKeyID(mustHex("9567951b5ca70d84a0fff1d85a87f1aab1340385"))
	b, _ := r.ByKeyID(mustHex("1ac100f596a3bc8c4b3df195e32699249e9e308a"))
	if a == nil || b == nil || a.Subject.String() != b.Subject.String() {
		t.Error("expected the auth generations to share one DN")
	}
	if len(r.Certificates()) != 4 {
		t.Error("Certificates() incomplete")
	}
	if err := r.AddTestRoot(fx(t).ca.Root(testca.Auth)); !errors.Is(err, ErrTestRootInProduction) {
		t.Errorf("AddTestRoot in production: %v", err)
	}
}

func TestTestRootRefusedInProduction(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "emu-auth-root.pem")
	root := fx(t).ca.Root(testca.Auth)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	paths := append(realRootPathsOrNone(), path)
	_, err := LoadRoots(paths, Production)
	var ue *UnpinnedRootError
	if !errors.As(err, &ue) || ue.Path != path {
		t.Fatalf("err = %v, want *UnpinnedRootError for %s", err, path)
	}
	// The same file is fine in test mode, alongside the real roots.
	r, err := LoadRoots(paths, Test)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.ByKeyID(root.SubjectKeyId); !ok {
		t.Fatal("test root not indexed by SKI")
	}
}

// TestProductionVerifierRefusesTestCard runs a whole verification against
// production roots with a card from the test CA.
func TestProductionVerifierRefusesTestCard(t *testing.T) {
	roots := mustPinnedRoots(t)
	if roots == nil {
		t.Skip("J-LIS roots not found")
	}
	in := good(t, Auth, nil)
	v := newVerifier(t, func(c *Config) { c.Roots = roots })
	if _, err := v.Verify(bg, in.cert, in.cd, in.sig, in.exp); CodeOf(err) != CodeUntrustedRoot {
		t.Fatalf("err = %v, want untrusted_root", err)
	}
}

func TestLoadRootsRejects(t *testing.T) {
	dir := t.TempDir()
	f := fx(t)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	leaf := f.issue(t, f.ca, testca.Auth, f.rsaKey.Public(), nil)
	for name, paths := range map[string][]string{
		"none":         nil,
		"missing file": {filepath.Join(dir, "nope.pem")},
		"garbage":      {write("garbage.pem", []byte("hello"))},
		"private key":  {write("key.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}}))},
		"not a CA":     {write("leaf.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}))},
	} {
		if _, err := LoadRoots(paths, Test); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// DER is accepted too.
	if r, err := LoadRoots([]string{write("root.der", f.ca.Root(testca.Sign).Raw)}, Test); err != nil || r.Len() != 1 {
		t.Errorf("DER root: %v", err)
	}
}

func realRootPathsOrNone() []string {
	paths, _ := filepath.Glob(filepath.Join(realRootsDir, "*.pem"))
	return paths
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
