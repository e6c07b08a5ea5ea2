package server

import (
	"context"
	"encoding/json"
	"net/http"
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
}

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

// createSession stores a new session and returns its cookie value.
func (s *Server) createSession(ctx context.Context, sess *session) (string, error) {
	cookie := newSecret()
	sess.SID = newID()
	sess.Expires = s.now().Add(s.cfg.SessionTTL)
	raw, err := json.Marshal(sess)
	if err != nil {
		return "", err
	}
	key := hashKey(cookie)
	err = store.Apply(ctx, s.backend,
		store.Put(nsSession, key, raw, s.cfg.SessionTTL),
		store.Put(nsSID, sess.SID, []byte(key), s.cfg.SessionTTL))
	if err != nil {
		// Where the batch is not atomic (no Batcher, a Redis Cluster) the
		// first write may have landed.
		_ = s.backend.Delete(ctx, nsSession, key)
		return "", err
	}
	return cookie, nil
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
