package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/inkan-id/inkan/provider/bridge"
	"github.com/inkan-id/inkan/provider/store"
)

// Authentication context values (docs/acr.md).
const (
	// ACRCard is a JPKI card login whose certificate was checked as not
	// revoked.
	ACRCard = "urn:inkan:acr:jpki-card"
	// ACRCardSoftFail is a JPKI card login let through while revocation
	// status was unavailable (the operator's bounded soft-fail).
	ACRCardSoftFail = "urn:inkan:acr:jpki-card-softfail"
)

// cardAMR are the RFC 8176 methods of a card login: the private key never
// leaves the card's chip (hwk), the chip is a smart card (sc), unlocked by
// a PIN (pin), which makes two factors (mfa).
var cardAMR = []string{"hwk", "mfa", "pin", "sc"}

// LoginInfo is what the login and consent pages need to know about a
// pending authorization request.
type LoginInfo struct {
	// ID is the auth request id (the binding of a card transaction).
	ID string
	// ClientID and ClientName name the relying party for the user.
	ClientID   string
	ClientName string
	// Scopes are the scopes asked for.
	Scopes []string
	// UILocales are the client's preferred languages, best first.
	UILocales []string
	// LoginHint is the client's hint, if any (never trusted as identity).
	LoginHint string
	// ACRValues are the client's voluntary acr_values (docs/acr.md).
	ACRValues []string
	// Done means a login (or the browser's session) completed the request.
	Done bool
	// ConsentRequired means the consent page must be shown before the
	// callback; before the login it is the best guess for an unknown user.
	ConsentRequired bool
	// SignatureRequired means the client asked for verified_claims, which
	// only a login with the signature certificate (purpose sign) yields.
	SignatureRequired bool
	// ExpiresAt is when the request expires.
	ExpiresAt time.Time
	// CallbackURL is where to send the browser once done.
	CallbackURL string
	// Tx is the card transaction /authorize created with the request
	// (Server.UseTransactions), nil when there is none. It may have been
	// used, claimed or have expired since: the page's status shows that,
	// and "start again" asks for a new one.
	Tx *bridge.Created

	browser string // hashKey of the session cookie of the browser that started it
	fresh   bool   // read within the /authorize request that created it
}

// LoginInfo describes a pending authorization request for the login pages.
// Unknown or expired ids give ErrUnknownRequest.
//
// Within the /authorize request that created it (UseLoginPage), the first
// call gets the request as created, without a store read.
func (s *Server) LoginInfo(ctx context.Context, authReqID string) (*LoginInfo, error) {
	ar := takeCreated(ctx, authReqID)
	fresh := ar != nil
	if ar == nil {
		var err error
		if ar, err = s.loadAuthRequest(ctx, authReqID); err != nil {
			return nil, err
		}
	}
	c, err := s.lookupClient(ctx, ar.ClientID)
	if err != nil {
		if errors.Is(err, errNoClient) {
			return nil, ErrUnknownRequest
		}
		return nil, err
	}
	name := c.name
	if name == "" {
		name = c.GetID()
	}
	consent := ar.ConsentNeeded && !ar.Consented
	if !ar.Done {
		consent = c.consent || slices.Contains(ar.Scopes, scopeVerifiedClaims) || slices.Contains(ar.Prompt, oidc.PromptConsent)
	}
	return &LoginInfo{
		ID:                ar.ID,
		ClientID:          c.GetID(),
		ClientName:        name,
		Scopes:            slices.Clone(ar.Scopes),
		UILocales:         slices.Clone(ar.UILocales),
		LoginHint:         ar.LoginHint,
		ACRValues:         slices.Clone(ar.ACRValues),
		Done:              ar.Done,
		ConsentRequired:   consent,
		SignatureRequired: needsSignature(ar.Scopes),
		ExpiresAt:         ar.Expires,
		CallbackURL:       s.CallbackURL(ar.ID),
		Tx:                s.openTx(ar),
		browser:           ar.Browser,
		fresh:             fresh,
	}, nil
}

// SameBrowser reports whether a request with header h comes from the
// browser that started the auth request info describes: the one whose
// session cookie /authorize bound the request to. The login pages show
// nothing of a request, its card transaction's link least of all, to
// another browser: whoever completes a request with a card decides whose
// account the starting browser gets. Within the /authorize request that
// created it, the cookie is only now being set, and it is that browser.
func (s *Server) SameBrowser(info *LoginInfo, h http.Header) bool {
	if info.fresh {
		return true
	}
	cookie := s.cookieValue(h)
	return cookie != "" && info.browser != "" && equalHash(cookie, info.browser)
}

var _ bridge.Completer = (*Server)(nil)

// CompleteCardLogin implements bridge.Completer: a verified card answer
// completes the auth request it is bound to. It resolves the account bound
// to the card certificate (creating it on first login), stores a sign
// login's attributes encrypted, creates the browser session (set on the
// browser by the callback) and marks the request done with auth_time, amr
// and acr. It refuses a request already completed, and a transaction that
// is not the request's current one (see RenewTx).
//
// The auth request and the card's account are read together (one round
// trip on Redis); the session, also (the bridge's own writes) and the
// completed request (a compare-and-swap from the bytes read) land in one
// batch, all or nothing, in that order. A first login's account is
// created before it.
func (s *Server) CompleteCardLogin(ctx context.Context, binding string, cl bridge.CardLogin, also ...store.Op) error {
	if binding == "" || len(binding) > 64 {
		return ErrUnknownRequest
	}
	if cl.Card.Serial == nil || len(cl.Card.IssuerKeyID) == 0 {
		return errors.New("server: card login without a card id")
	}
	card := cl.Card.String()
	if len(card) > maxCardKeyLen {
		return errors.New("server: card id too long")
	}
	vals, err := store.GetMany(ctx, s.backend, store.Key{NS: nsAuthReq, Key: binding}, store.Key{NS: nsCard, Key: card})
	if err != nil {
		return err
	}
	raw := vals[0]
	ar, err := s.decodeAuthRequest(raw)
	if err != nil {
		return err
	}
	if ar.Done {
		return ErrAlreadyCompleted
	}
	if ar.Tx != nil && cl.TxID != ar.Tx.ID {
		// "Start again" gave the request a new transaction: this one may
		// be in a device the user gave up on.
		return ErrTxReplaced
	}
	c, err := s.lookupClient(ctx, ar.ClientID)
	if errors.Is(err, errNoClient) {
		return ErrUnknownRequest
	}
	if err != nil {
		return err
	}
	acct := string(vals[1])
	if vals[1] == nil {
		if acct, err = s.accountForCard(ctx, card); err != nil {
			return err
		}
	}
	authTime := cl.VerifiedAt
	if authTime.IsZero() {
		authTime = s.now()
	}
	authTime = authTime.UTC().Truncate(time.Second)
	acr := ACRCard
	if cl.SoftFailed {
		acr = ACRCardSoftFail
	}
	need, err := s.needsConsent(ctx, acct, c, ar.Scopes, ar.Prompt)
	if err != nil {
		return err
	}
	sess := &session{AccountID: acct, AuthTime: authTime, AMR: slices.Clone(cardAMR), ACR: acr, Card: card,
		Purpose: loginPurpose(ar.Scopes)}
	cookie, ops, err := s.sessionOps(sess)
	if err != nil {
		return err
	}
	if cl.Attributes != nil {
		// In the login's batch: a login that does not complete leaves the
		// account's attributes as they were.
		op, err := s.attributesOp(acct, &cl)
		if err != nil {
			return err
		}
		ops = append(ops, op)
	}
	ar.Done, ar.AccountID, ar.AuthTime, ar.AMR, ar.ACR, ar.SID = true, acct, authTime, sess.AMR, acr, sess.SID
	ar.NewSession = s.secretSeal.seal([]byte(cookie), "session "+ar.ID)
	ar.ConsentNeeded = need
	done, err := json.Marshal(ar)
	if err != nil {
		return err
	}
	// The request's own completion goes last: where a batch runs op by
	// op (no Batcher, a Redis Cluster), a conflict on also leaves the
	// request incomplete, never completed beside a pending transaction.
	ops = append(append(ops, also...), store.Swap(nsAuthReq, ar.ID, raw, done))
	if err := store.Apply(ctx, s.backend, ops...); err != nil {
		bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), landedCheckTimeout)
		defer cancel()
		if s.completedWith(bg, ar.ID, sess.SID) {
			// The batch landed and only its answer was lost (a timeout
			// after the write): the login is complete, session and all.
			s.log.WarnContext(ctx, "card login completed although the store reported an error", "auth_request", ar.ID, "err", err)
			return nil
		}
		// Where the batch is not atomic (no Batcher, a Redis Cluster) the
		// session may have landed: all or nothing.
		s.dropSession(bg, hashKey(cookie), sess.SID)
		return err
	}
	s.log.InfoContext(ctx, "card login", "client_id", ar.ClientID, "auth_request", ar.ID,
		"account", acct, "acr", acr, "soft_failed", cl.SoftFailed, "tx", cl.TxID)
	return nil
}

// Consent records the user's answer on the consent page and returns where
// to send the browser: the callback, which issues the code when consent
// was granted and sends the client access_denied (with iss and state)
// when not.
func (s *Server) Consent(ctx context.Context, authReqID string, granted bool) (string, error) {
	ar, err := s.loadAuthRequest(ctx, authReqID)
	if err != nil {
		return "", err
	}
	if !ar.Done {
		return "", ErrNotLoggedIn
	}
	if !granted {
		// The refusal goes through the callback like a grant, so that the
		// login still becomes this browser's session.
		err := updateJSON(ctx, s.backend, nsAuthReq, ar.ID, func(a *authRequest) error {
			a.Denied = true
			return nil
		})
		if notFound(err) {
			return "", ErrUnknownRequest
		}
		if err != nil {
			return "", err
		}
		s.log.InfoContext(ctx, "consent denied", "client_id", ar.ClientID, "auth_request", ar.ID)
		return s.CallbackURL(ar.ID), nil
	}
	if err := s.grantConsent(ctx, ar.AccountID, ar.ClientID, ar.Scopes); err != nil {
		return "", err
	}
	err = updateJSON(ctx, s.backend, nsAuthReq, ar.ID, func(a *authRequest) error {
		a.Consented = true
		return nil
	})
	if notFound(err) {
		return "", ErrUnknownRequest
	}
	if err != nil {
		return "", err
	}
	s.log.InfoContext(ctx, "consent granted", "client_id", ar.ClientID, "auth_request", ar.ID, "scopes", ar.Scopes)
	return s.CallbackURL(ar.ID), nil
}

// landedCheckTimeout bounds the read that tells whether a completion whose
// batch reported an error landed anyway.
const landedCheckTimeout = 5 * time.Second

// completedWith reports whether the auth request id is done with the
// session sid: a completion's batch landed although its answer was lost.
func (s *Server) completedWith(ctx context.Context, id, sid string) bool {
	raw, err := s.backend.Get(ctx, nsAuthReq, id)
	if err != nil {
		return false
	}
	ar, err := s.decodeAuthRequest(raw)
	return err == nil && ar.Done && ar.SID == sid
}
