package verify

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/inkan-id/inkan/cardauth/vcard/testca"
)

// FuzzParseCertificate feeds arbitrary certificate bytes to Verify, with
// valid client_data and a signature by the shared key. Seeds under
// testdata/fuzz are certificates from an earlier test CA (they parse but do
// not chain); a certificate from the current one is added at run time so
// that the fuzzer also starts from a passing input.
func FuzzParseCertificate(f *testing.F) {
	fix := fx(f)
	v := newVerifier(f, nil)
	cd := clientData(f, Auth, nil)
	sig := sign(f, fix.rsaKey, cd)
	exp := expect(Auth)
	f.Add(fix.issue(f, fix.ca, testca.Auth, fix.rsaKey.Public(), nil).Raw)
	f.Add(fix.ca.Root(testca.Auth).Raw)
	f.Fuzz(func(t *testing.T, der []byte) {
		res, err := v.Verify(bg, der, cd, sig, exp)
		if err != nil {
			var e *Error
			if res != nil || !errors.As(err, &e) || e.Message == "" {
				t.Fatalf("bad failure shape: res=%v err=%v", res, err)
			}
			return
		}
		if !bytes.Equal(res.Certificate.Raw, der) || res.Certificate.PublicKey == nil {
			t.Fatal("success names another certificate")
		}
	})
}

func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("INKAN_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set INKAN_WRITE_FUZZ_SEEDS=1 to regenerate testdata/fuzz seeds")
	}
	f := fx(t)
	seeds := map[string][]byte{
		"auth-rsa":  f.issue(t, f.ca, testca.Auth, f.rsaKey.Public(), nil).Raw,
		"sign-rsa":  f.issue(t, f.ca, testca.Sign, f.rsaKey.Public(), nil).Raw,
		"auth-p384": f.issue(t, f.ca, testca.Auth, f.ecKey.Public(), nil).Raw,
		"root":      f.ca.Root(testca.Auth).Raw,
		"no-eku":    f.issue(t, f.ca, testca.Auth, f.rsaKey.Public(), &testca.Options{OmitEKU: true}).Raw,
	}
	seeds["truncated"] = seeds["auth-rsa"][:200]
	dir := filepath.Join("testdata", "fuzz", "FuzzParseCertificate")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range seeds {
		if err := os.WriteFile(filepath.Join(dir, name), fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
