package app

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/inkan-id/inkan/cardauth/vcard"
	"github.com/inkan-id/inkan/cardauth/vcard/testca"
	"github.com/inkan-id/inkan/provider/config"
)

// Dev is what `inkan serve --dev` adds: the test JPKI CA with its OCSP
// responder, a virtual card for the virtual phone, and the demo relying
// party's client.
type Dev struct {
	CA *testca.CA
	// CardPath is the virtual phone's card file.
	CardPath string
	// DemoClientID and DemoSecret register the demo relying party.
	DemoClientID, DemoSecret string

	issuer string
}

// Dev-mode paths, relative to the issuer.
const (
	devOCSPPath = "/dev/ocsp"
	demoPath    = "/demo"
)

// Defaults of the dev virtual card (documented in docs/vcard.md).
const (
	DevPIN          = "1234"
	DevSignPassword = "ABC123"
)

func newDev(cfg *config.Config, opt Options) (*Dev, error) {
	d := &Dev{issuer: cfg.Issuer, DemoClientID: "demo", DemoSecret: randomSecret(32)}
	caDir := filepath.Join(cfg.DataDir, "testca")
	ca, err := testca.LoadOrCreate(caDir, opt.Now())
	if err != nil {
		return nil, err
	}
	// Dev cards name this provider's responder in their AIA, and the
	// verifier asks it even for cards issued under another address.
	ca.OCSPURL = cfg.Issuer + devOCSPPath
	if cfg.JPKI.Revocation.OCSP.URL == "" {
		cfg.JPKI.Revocation.OCSP.URL = ca.OCSPURL
	}
	d.CA = ca

	d.CardPath = filepath.Join(cfg.DataDir, "phone-card.json")
	if _, err := os.Stat(d.CardPath); errors.Is(err, fs.ErrNotExist) {
		f, err := vcard.Issue(ca, vcard.Spec{
			AuthPIN: DevPIN, SignPassword: DevSignPassword,
			Holder: testca.Holder{Name: "山田　花子", Birthdate: "1985-04-01", Address: "東京都千代田区霞が関２－１－２", Gender: "2"},
		}, opt.Now())
		if err != nil {
			return nil, err
		}
		if err := ca.Save(caDir); err != nil {
			return nil, err
		}
		if err := vcard.WriteFile(d.CardPath, f); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// demoClient is the relying party behind /demo, registered with a secret
// made fresh at every start.
func (d *Dev) demoClient() config.Client {
	rotate := false
	return config.Client{
		ID: d.DemoClientID, Name: "Inkan demo bank (デモ銀行)", Secret: d.DemoSecret,
		RedirectURIs:           []string{d.issuer + demoPath + "/callback"},
		PostLogoutRedirectURIs: []string{d.issuer + demoPath},
		GrantTypes:             []string{"authorization_code", "refresh_token"},
		Scopes:                 []string{"openid", "offline_access", "verified_claims"},
		RefreshRotation:        &rotate,
	}
}
