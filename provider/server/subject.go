package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"github.com/inkan-id/inkan/provider/clients/clientmeta"
	"net/url"
)

// subjectFor is the sub a client sees for an account. Pairwise (the
// default, OIDC Core §8.1): base64url(HMAC-SHA256(pairwise key, sector ‖
// 0x00 ‖ account id)), so two services cannot join their users; the NUL
// keeps "a"+"bc" and "ab"+"c" apart. The key is derived from the master
// key, so subjects survive restarts and are the same on every instance.
// Public: the account id itself.
func (s *Server) subjectFor(c *rpClient, accountID string) string {
	if c.subjectType == subjectPublic {
		return accountID
	}
	mac := hmac.New(sha256.New, s.pairwiseKey)
	mac.Write([]byte(sectorOf(c)))
	mac.Write([]byte{0})
	mac.Write([]byte(accountID))
	return b64.EncodeToString(mac.Sum(nil))
}

// sectorOf is the client's sector identifier: the registered one, else the
// host its redirect URIs share (OIDC Core §8.1), else its client id (a
// client with several hosts and no sector, or with loopback redirect URIs
// only, gets a sector of its own).
func sectorOf(c *rpClient) string {
	if c.sector != "" {
		return c.sector
	}
	host := ""
	for _, r := range c.RedirectURIs() {
		u, err := url.Parse(r)
		if err != nil || u.Host == "" {
			return "client:" + c.GetID()
		}
		if host != "" && u.Hostname() != host {
			return "client:" + c.GetID()
		}
		host = u.Hostname()
	}
	if host == "" || clientmeta.IsLoopback(host) {
		// A loopback host is every native app's: as a sector it would
		// give them all the same sub for a user.
		return "client:" + c.GetID()
	}
	return host
}
