package testca

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

func TestSaveLoad(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ca")
	ca, err := LoadOrCreate(dir, testNow)
	if err != nil {
		t.Fatal(err)
	}
	_, key := shared(t)
	c, err := ca.Issue(Sign, &key.PublicKey, holder, testNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := ca.Issue(Sign, &key.PublicKey, holder, testNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ca.Revoke(Sign, c.SerialNumber, ReasonAffiliationChanged, testNow); err != nil {
		t.Fatal(err)
	}
	if err := ca.Save(dir); err != nil {
		t.Fatal(err)
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, _ := e.Info()
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temp file left: %s", e.Name())
		}
		if strings.HasSuffix(e.Name(), "-key.pem") && info.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v", e.Name(), info.Mode().Perm())
		}
	}

	for name, load := range map[string]func() (*CA, error){
		"Load":         func() (*CA, error) { return Load(dir) },
		"LoadOrCreate": func() (*CA, error) { return LoadOrCreate(dir, testNow.Add(time.Hour)) },
	} {
		t.Run(name, func(t *testing.T) {
			got, err := load()
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range []Kind{Auth, Sign} {
				if !bytes.Equal(got.Root(k).Raw, ca.Root(k).Raw) {
					t.Errorf("%s root changed", k)
				}
			}
			if ok, reason, at := got.IsRevoked(Sign, c.SerialNumber); !ok || reason != ReasonAffiliationChanged || !at.Equal(testNow) {
				t.Errorf("revocation lost: %v %d %v", ok, reason, at)
			}
			// Issued serials survive, so OCSP says good, not unknown.
			req, _ := ocsp.CreateRequest(kept, got.Root(Sign), nil)
			r, err := ocsp.ParseResponseForCert(got.respond(req, testNow), kept, got.Root(Sign))
			if err != nil || r.Status != ocsp.Good {
				t.Errorf("OCSP after load: %v %v", r, err)
			}
			// The loaded key still signs for the loaded root.
			if _, err := got.Issue(Auth, &key.PublicKey, holder, testNow, nil); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestLoadRejects(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(dir); err == nil {
		t.Error("Load of an empty dir succeeded")
	}
	ca, err := LoadOrCreate(dir, testNow)
	if err != nil {
		t.Fatal(err)
	}
	// Partial directory: never silently replaced with a new CA.
	if err := os.Remove(filepath.Join(dir, keyFile(Sign))); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreate(dir, testNow); err == nil || !strings.Contains(err.Error(), "incomplete") {
		t.Errorf("partial dir: %v", err)
	}
	// A key that does not belong to the certificate.
	if err := ca.Save(dir); err != nil {
		t.Fatal(err)
	}
	authKey, _ := os.ReadFile(filepath.Join(dir, keyFile(Auth)))
	if err := os.WriteFile(filepath.Join(dir, keyFile(Sign)), authKey, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("swapped key: %v", err)
	}
	// Broken revocation list.
	if err := ca.Save(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, fileRevoked), []byte(`{"auth":[{"serial":"zz"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil {
		t.Error("bad revoked.json loaded")
	}
}
