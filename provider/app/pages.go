package app

import (
	"crypto/rand"
	"path/filepath"

	"github.com/inkan-id/inkan/provider/demo"
	"github.com/inkan-id/inkan/provider/login"
)

// mountPages mounts what lives beside the OIDC endpoints: the login and
// consent pages; in dev also the test CA's OCSP responder, the virtual
// phone and the demo relying party.
func (a *App) mountPages(opt Options) error {
	lc := login.Config{Server: a.Server, Bridge: a.Bridge, Dev: a.Dev != nil, Log: opt.Log, Now: opt.Now}
	if a.Dev != nil {
		a.Server.Mount(devOCSPPath, a.CA.OCSPHandler(opt.Now))
		phone, err := demo.NewPhone(demo.PhoneConfig{
			Issuer: a.Config.Issuer, CardPath: a.Dev.CardPath, CADir: filepath.Join(a.Config.DataDir, "testca"),
			Log: opt.Log, Now: opt.Now,
		})
		if err != nil {
			return err
		}
		a.Server.Mount(demo.PathPhone, phone.Routes())
		lc.DevPhonePath = demo.PathPhone
		if opt.DevAutoTap {
			lc.DevAutoTap, lc.AutoTapper = true, phone
		}
		cookieKey := make([]byte, 32)
		rand.Read(cookieKey)
		rp, err := demo.NewRP(demo.RPConfig{
			Issuer: a.Config.Issuer, ClientID: a.Dev.DemoClientID, ClientSecret: a.Dev.DemoSecret,
			RedirectURL: a.Config.Issuer + demoPath + "/callback", CookieKey: cookieKey, Log: opt.Log, Now: opt.Now,
		})
		if err != nil {
			return err
		}
		a.Server.Mount(demoPath, rp.Routes())
	}
	lh, err := login.New(lc)
	if err != nil {
		return err
	}
	a.Server.Mount(login.PathLogin, lh.Routes())
	a.Server.UseLoginPage(lh.Routes())
	return nil
}
