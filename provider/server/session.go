package server

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/inkan-id/inkan/provider/store"
)

// session is a browser SSO session. The browser holds a random 256-bit
// value in an HttpOnly cookie; the store keys the record by its hash.
type session struct {
	// SID is the session's public id, the ID token's sid claim. It is not
	// the cookie value, which never leaves the browser and the store hash.
	SID       string    `json:"sid"`
	AccountID string    `json:"account"`
	AuthTime  time.Time `json:"auth_time"`
	AMR       []string  `json:"amr"`
	ACR       string    `json:"acr"`
	Card      string    `json:"card"`
	Expires   time.Time `json:"expires"`
	// Sign is set for a session that a signature-certificate login made
	// (a request for verified_claims). Accounts are per certificate, so
	// such a session is another account than the same person's
	// authentication-certificate login: SSO reuses a session only for
	// requests of its own purpose (sameLoginPurpose).
	Sign bool `json:"sign,omitempty"`
}

// needsSignature reports whether a request with scopes needs a login with
// the signature certificate: only that yields verified_claims.
func needsSignature(scopes []string) bool { return slices.Contains(scopes, scopeVerifiedClaims) }

// maxCookieLen bounds the cookie value we hash and look up.
const maxCookieLen = 128

// cookieValue reads the session cookie from request headers.
func (s *Server) cookieValue(h http.Header) string {
	r := http.Request{Header: h}
	c, err := r.Cookie(s.cfg.SessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > maxCookieLen {
		return ""
	}
	return c.Value
}

// sessionCookie builds the Set-Cookie for value; maxAge < 0 deletes it.
// SameSite=Lax: the cookie reaches /authorize on a top-level navigation
// from the relying party, but not cross-site subrequests or POSTs.
func (s *Server) sessionCookie(value string, maxAge int) *http.Cookie {
	path := s.basePath
	if path == "" {
		path = "/"
	}
	return &http.Cookie{
		Name:     s.cfg.SessionCookie,
		Value:    value,
		Path:     path,
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   s.secureCookie,
		SameSite: http.SameSiteLaxMode,
	}
}

// loadSession returns the live session behind a cookie value, or nil.
func (s *Server) loadSession(ctx context.Context, cookie string) (*session, error) {
	if cookie == "" {
		return nil, nil
	}
	var sess session
	err := getJSON(ctx, s.backend, nsSession, hashKey(cookie), &sess)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !s.now().Before(sess.Expires) {
		return nil, nil
	}
	return &sess, nil
}

// sessionOps gives sess a fresh cookie value, sid and expiry and returns
// the cookie and the writes that store the session: the record under the
// cookie's hash, and the sid's pointer to it.
func (s *Server) sessionOps(sess *session) (string, []store.Op, error) {
	cookie := newSecret()
	sess.SID = newID()
	sess.Expires = s.now().Add(s.cfg.SessionTTL)
	raw, err := json.Marshal(sess)
	if err != nil {
		return "", nil, err
	}
	key := hashKey(cookie)
	return cookie, []store.Op{
		store.Put(nsSession, key, raw, s.cfg.SessionTTL),
		store.Put(nsSID, sess.SID, []byte(key), s.cfg.SessionTTL),
	}, nil
}

// dropSession removes what sessionOps' writes may have left where a batch
// failed without being atomic.
func (s *Server) dropSession(ctx context.Context, key, sid string) {
	_ = s.backend.Delete(ctx, nsSession, key)
	_ = s.backend.Delete(ctx, nsSID, sid)
}

// deleteSession ends the session stored under key (a hashKey of the
// cookie) and revokes the refresh-token families bound to it that were
// not granted offline_access: those belong to the browser session, while
// offline access is meant to outlive it.
func (s *Server) deleteSession(ctx context.Context, key string) error {
	var sess session
	err := getJSON(ctx, s.backend, nsSession, key, &sess)
	if notFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	fams, err := s.backend.Members(ctx, nsSession, sess.SID)
	if err != nil {
		return err
	}
	for _, f := range fams {
		var fam family
		if err := getJSON(ctx, s.backend, nsFamily, f, &fam); err != nil {
			if notFound(err) {
				continue
			}
			return err
		}
		if !fam.Offline {
			if err := s.revokeFamily(ctx, f); err != nil {
				return err
			}
		}
	}
	if err := s.backend.DeleteSet(ctx, nsSession, sess.SID); err != nil {
		return err
	}
	if err := s.backend.Delete(ctx, nsSID, sess.SID); err != nil {
		return err
	}
	return s.backend.Delete(ctx, nsSession, key)
}
