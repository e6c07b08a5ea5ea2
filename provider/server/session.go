package server

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/inkan-id/inkan/mobile-bridge/protocol"
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
	// Purpose is the purpose of the login that made the session
	// (loginPurpose): "sign" for a signature-certificate login (a request
	// for verified_claims), "auth" otherwise. Accounts are per
	// certificate, so a sign session is another account than the same
	// person's auth login: SSO reuses a session only for requests of its
	// own purpose, and a session without one (older records) for none.
	Purpose string `json:"purpose"`
}

// needsSignature reports whether a request with scopes needs a login with
// the signature certificate: only that yields verified_claims.
func needsSignature(scopes []string) bool { return slices.Contains(scopes, scopeVerifiedClaims) }

// loginPurpose is the purpose of the login a request with scopes needs.
func loginPurpose(scopes []string) string {
	if needsSignature(scopes) {
		return string(protocol.PurposeSign)
	}
	return string(protocol.PurposeAuth)
}

// sidEnded marks a sid record whose session is being ended: deleteSession
// writes it before it looks for the session's families, so that a code
// exchange checking the record after that point is refused, while a
// logout by id_token_hint that failed half-way can still find the
// session to finish the job (sessionKeyOf).
const sidEnded = "ended:"

// sessionKeyOf is the session key a sid record names, ended or not.
func sessionKeyOf(sidRecord []byte) string {
	return strings.TrimPrefix(string(sidRecord), sidEnded)
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

// endReplacedSession ends the session under key that a new login of
// purpose replaces in the browser. A session of the other purpose is
// left to run out instead: a request for verified_claims after an
// authentication login (or the reverse) needs a login of its own, and
// ending the first session would revoke the refresh tokens of every
// client that used it. Its RPs can still end it by id_token_hint.
func (s *Server) endReplacedSession(ctx context.Context, key, purpose string) error {
	sess, err := s.storedSession(ctx, key)
	if sess == nil || err != nil || (sess.Purpose != "" && sess.Purpose != purpose) {
		return err
	}
	return s.endSession(ctx, key, sess)
}

// deleteSession ends the session stored under key (a hashKey of the
// cookie) and revokes the refresh-token families bound to it that were
// not granted offline_access: those belong to the browser session, while
// offline access is meant to outlive it.
func (s *Server) deleteSession(ctx context.Context, key string) error {
	sess, err := s.storedSession(ctx, key)
	if sess == nil || err != nil {
		return err
	}
	return s.endSession(ctx, key, sess)
}

// storedSession reads the session under key; nil when there is none.
func (s *Server) storedSession(ctx context.Context, key string) (*session, error) {
	var sess session
	err := getJSON(ctx, s.backend, nsSession, key, &sess)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &sess, nil
}

// endSession is deleteSession for the session sess, read from key.
func (s *Server) endSession(ctx context.Context, key string, sess *session) error {
	// Mark the sid ended first: a code exchange for this session that
	// has not landed yet fails its check of the record from now on, so
	// no family joins the set after it is read below.
	if err := s.backend.Put(ctx, nsSID, sess.SID, []byte(sidEnded+key), s.cfg.SessionTTL); err != nil {
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
