package server

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/inkan-id/inkan/provider/store"
)

// Refresh tokens are 256 random bits, stored by hash, bound to one client.
// Every refresh token descends from one code redemption: its family. The
// family record and its member set (nsFamily, refresh tokens only) let one
// reuse revoke the whole line, and logout revoke a session's families;
// access tokens die with their family because every check of one looks
// at the family record. A family lives at
// most RefreshTokenTTL from the login; rotation does not extend it, so
// the user logs in with the card again at least that often.

// family is the record of one refresh-token family.
type family struct {
	ClientID  string `json:"client_id"`
	AccountID string `json:"account"`
	SID       string `json:"sid,omitempty"`
	Offline   bool   `json:"offline,omitempty"` // offline_access: survives logout
	Revoked   bool   `json:"revoked,omitempty"`
	Expires   int64  `json:"exp"`
}

// refreshRecord is one refresh token.
type refreshRecord struct {
	ClientID  string   `json:"client_id"`
	AccountID string   `json:"account"`
	Scopes    []string `json:"scopes"`
	AuthTime  int64    `json:"auth_time"`
	AMR       []string `json:"amr"`
	ACR       string   `json:"acr"`
	SID       string   `json:"sid,omitempty"`
	Family    string   `json:"family"`
	Expires   int64    `json:"exp"`
	// RotatedAt (unix nanoseconds) is set once the token was exchanged
	// for a successor; Successor is that successor, sealed, returned again
	// to a retry within the grace period.
	RotatedAt int64  `json:"rotated_at,omitempty"`
	Successor string `json:"successor,omitempty"`
}

const maxRefreshLen = 512

// startFamilyOps appends to ops the writes that create a family for g and
// its first refresh token, in the order they were once made one by one:
// the family, its place in the session, the token, its place in the
// family. It returns the token.
func (s *Server) startFamilyOps(g *grant, ops []store.Op) (string, []store.Op, error) {
	now := s.now()
	fam := family{
		ClientID: g.client.GetID(), AccountID: g.accountID, SID: g.sid,
		Offline: slices.Contains(g.scopes, oidc.ScopeOfflineAccess),
		Expires: now.Add(s.cfg.RefreshTokenTTL).Unix(),
	}
	if !fam.Offline && g.sid != "" && !g.authTime.IsZero() {
		// Without offline_access the family belongs to the browser
		// session, which was made at the login and ends SessionTTL later
		// (it is never extended): so does the family, even when nobody
		// logs out.
		fam.Expires = min(fam.Expires, g.authTime.Add(s.cfg.SessionTTL).Unix())
	}
	raw, err := json.Marshal(fam)
	if err != nil {
		return "", nil, err
	}
	ops = append(ops, store.Create(nsFamily, g.family, raw, s.cfg.RefreshTokenTTL))
	if g.sid != "" {
		ops = append(ops, store.AddMember(nsSession, g.sid, g.family, s.cfg.SessionTTL))
	}
	tok := familyToken(g.family)
	rec := refreshRecord{
		ClientID: g.client.GetID(), AccountID: g.accountID, Scopes: g.scopes,
		AuthTime: g.authTime.Unix(), AMR: g.amr, ACR: g.acr, SID: g.sid, Family: g.family, Expires: fam.Expires,
	}
	if ops, err = s.refreshOps(tok, &rec, ops); err != nil {
		return "", nil, err
	}
	return tok, ops, nil
}

// storeRefresh saves a refresh token and joins it to its family.
func (s *Server) storeRefresh(ctx context.Context, tok string, rec *refreshRecord) error {
	ops, err := s.refreshOps(tok, rec, nil)
	if err != nil {
		return err
	}
	return store.Apply(ctx, s.backend, ops...)
}

// refreshOps appends storeRefresh's writes to ops.
func (s *Server) refreshOps(tok string, rec *refreshRecord, ops []store.Op) ([]store.Op, error) {
	ttl := ttlUntil(s.now(), time.Unix(rec.Expires, 0))
	key := hashKey(tok)
	raw, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	return append(ops, store.Put(nsRefresh, key, raw, ttl), store.AddMember(nsFamily, rec.Family, "rt:"+key, ttl)), nil
}

// revokeFamily marks a family revoked (so tokens added concurrently are
// refused too) and deletes every token in it.
func (s *Server) revokeFamily(ctx context.Context, id string) error {
	err := updateJSON(ctx, s.backend, nsFamily, id, func(f *family) error {
		f.Revoked = true
		return nil
	})
	if err != nil && !notFound(err) {
		return err
	}
	members, err := s.backend.Members(ctx, nsFamily, id)
	if err != nil {
		return err
	}
	for _, m := range members {
		kind, key, _ := strings.Cut(m, ":")
		ns := nsRefresh
		if kind == "at" {
			ns = nsAccess
		}
		if err := s.backend.Delete(ctx, ns, key); err != nil {
			return err
		}
	}
	return s.backend.DeleteSet(ctx, nsFamily, id)
}

// familyLive reports whether a family exists and is not revoked.
func (s *Server) familyLive(ctx context.Context, id string) (bool, error) {
	raw, err := s.backend.Get(ctx, nsFamily, id)
	if notFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return s.familyLiveFrom(raw)
}

// familyLiveFrom is familyLive for a family record already read (nil:
// absent).
func (s *Server) familyLiveFrom(raw []byte) (bool, error) {
	if raw == nil {
		return false, nil
	}
	var f family
	if err := json.Unmarshal(raw, &f); err != nil {
		return false, err
	}
	return !f.Revoked && s.now().Unix() < f.Expires, nil
}

// withFamily reads the record under ns/key and, in the same round trip
// (store.GetMany), the family that hint names (familyOf of the token). It
// returns the record (nil when absent) and a liveness check for the
// family the record names: the one read along when it is that family,
// else read then.
func (s *Server) withFamily(ctx context.Context, ns, key, hint string) ([]byte, func(family string) (bool, error), error) {
	keys := []store.Key{{NS: ns, Key: key}}
	if hint != "" {
		keys = append(keys, store.Key{NS: nsFamily, Key: hint})
	}
	vals, err := store.GetMany(ctx, s.backend, keys...)
	if err != nil {
		return nil, nil, err
	}
	live := func(fam string) (bool, error) {
		if hint != "" && fam == hint {
			return s.familyLiveFrom(vals[1])
		}
		return s.familyLive(ctx, fam)
	}
	return vals[0], live, nil
}

// errKeep aborts an Update that must not write.
var errKeep = errors.New("keep")

// RefreshToken exchanges a refresh token (RFC 6749 §6). The token must
// belong to the calling client. For clients that rotate, the old token
// is exchanged once: a second use within RefreshGrace gets the same
// successor (two tabs refreshing at once must not log the user out),
// later it is treated as theft and revokes the whole family. auth_time,
// amr, acr and sid carry over from the login.
func (s *Server) RefreshToken(ctx context.Context, r *op.ClientRequest[oidc.RefreshTokenRequest]) (*op.Response, error) {
	c := rp(r.Client)
	tok := r.Data.RefreshToken
	if len(tok) > maxRefreshLen {
		return nil, invalidGrant(errors.New("refresh token too long"))
	}
	if !hasGrant(c, oidc.GrantTypeRefreshToken) {
		return nil, oidc.ErrUnauthorizedClient().WithDescription("The client may not use refresh tokens.")
	}
	key := hashKey(tok)
	raw, familyLive, err := s.withFamily(ctx, nsRefresh, key, familyOf(tok))
	if notFound(err) || (err == nil && raw == nil) {
		return nil, invalidGrant(errors.New("unknown refresh token"))
	}
	if err != nil {
		return nil, s.internal(ctx, "refresh lookup", err)
	}
	var rec refreshRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, s.internal(ctx, "refresh record", err)
	}
	now := s.now()
	if rec.ClientID != c.GetID() {
		s.log.WarnContext(ctx, "refresh token presented by another client", "client_id", c.GetID(), "token_client_id", rec.ClientID)
		return nil, invalidGrant(errors.New("refresh token issued to another client"))
	}
	if now.Unix() >= rec.Expires {
		return nil, invalidGrant(errors.New("refresh token expired"))
	}
	live, err := familyLive(rec.Family)
	if err != nil {
		return nil, s.internal(ctx, "refresh family", err)
	}
	if !live {
		return nil, invalidGrant(errors.New("refresh token family revoked"))
	}
	scopes := rec.Scopes
	if len(r.Data.Scopes) > 0 {
		for _, sc := range r.Data.Scopes {
			if !slices.Contains(rec.Scopes, sc) {
				return nil, oidc.ErrInvalidScope().WithDescription("A refresh may only narrow the granted scopes.")
			}
		}
		scopes = r.Data.Scopes
	}
	g := &grant{
		client: c, accountID: rec.AccountID, scopes: scopes, authTime: time.Unix(rec.AuthTime, 0),
		amr: rec.AMR, acr: rec.ACR, sid: rec.SID, family: rec.Family,
	}

	// Everything that can fail is done before the old token is rotated
	// away: a client that gets an error keeps a token that works, instead
	// of one whose next use, after the grace period, reads as theft.
	pa, err := s.newAccess(ctx, g)
	if err != nil {
		return nil, s.internal(ctx, "access token", err)
	}
	var idt string
	if slices.Contains(scopes, oidc.ScopeOpenID) {
		if idt, err = s.idToken(ctx, g, pa.token); err != nil {
			return nil, s.internal(ctx, "id token", err)
		}
	}
	if err := s.storeAccess(ctx, pa); err != nil {
		return nil, s.internal(ctx, "access token store", err)
	}
	next := tok
	// A token rotated away stays rotated even if the client no longer
	// rotates: rotate gives the successor within the grace period and
	// treats a later use as reuse.
	if c.rotation || rec.RotatedAt != 0 {
		if next, err = s.rotate(ctx, key, &rec); err != nil {
			_ = s.backend.Delete(context.WithoutCancel(ctx), nsAccess, pa.key)
			return nil, err
		}
	}
	return s.tokenResponse(pa, next, idt, scopes), nil
}

// rotate exchanges the refresh token under key for its successor. The
// successor record is written before the old token is marked, so a crash
// in between leaves a usable old token, never a dangling successor.
func (s *Server) rotate(ctx context.Context, key string, rec *refreshRecord) (string, error) {
	now := s.now()
	next := familyToken(rec.Family)
	succ := *rec
	succ.RotatedAt, succ.Successor = 0, ""
	if err := s.storeRefresh(ctx, next, &succ); err != nil {
		return "", s.internal(ctx, "refresh rotate", err)
	}
	var sealed string
	reused := false
	err := updateJSON(ctx, s.backend, nsRefresh, key, func(r *refreshRecord) error {
		if r.RotatedAt != 0 {
			if now.Sub(time.Unix(0, r.RotatedAt)) <= s.cfg.RefreshGrace {
				sealed = r.Successor
			} else {
				reused = true
			}
			return errKeep
		}
		r.RotatedAt = now.UnixNano()
		r.Successor = s.secretSeal.seal([]byte(next), "successor "+key)
		return nil
	})
	if errors.Is(err, errKeep) || err != nil {
		_ = s.backend.Delete(context.WithoutCancel(ctx), nsRefresh, hashKey(next))
	}
	switch {
	case errors.Is(err, errKeep) && reused:
		s.log.WarnContext(ctx, "rotated refresh token reused; revoking its family", "client_id", rec.ClientID)
		if err := s.revokeFamily(ctx, rec.Family); err != nil {
			return "", s.internal(ctx, "refresh reuse revoke", err)
		}
		return "", invalidGrant(errors.New("rotated refresh token reused"))
	case errors.Is(err, errKeep):
		raw, err := s.secretSeal.open(sealed, "successor "+key)
		if err != nil {
			return "", s.internal(ctx, "refresh successor", err)
		}
		return string(raw), nil
	case notFound(err):
		return "", invalidGrant(errors.New("refresh token revoked"))
	case err != nil:
		return "", s.internal(ctx, "refresh rotate", err)
	}
	return next, nil
}
