package clients

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/inkan-id/inkan/provider/clients/clientmeta"
	"github.com/inkan-id/inkan/provider/store"
)

// RegistrationOptions configure the registration endpoint.
type RegistrationOptions struct {
	// Issuer is the provider's issuer URL; registration_client_uri is
	// Issuer + "/register/" + client_id.
	Issuer string
	// InitialAccessToken, when set, must be sent as a Bearer token with
	// POST /register (RFC 7591 §3).
	InitialAccessToken string
	// Open lets anyone register without an initial access token (dev).
	// With neither Open nor InitialAccessToken, POST /register refuses
	// every request.
	Open bool
	// AllowHTTPRedirects accepts http redirect URIs to any host (dev).
	// Otherwise http is allowed only to loopback addresses.
	AllowHTTPRedirects bool
	// AllowedScopes are the scopes a dynamic client may register; default
	// openid and offline_access.
	AllowedScopes []string
}

type regHandler struct {
	r       *Registry
	opts    RegistrationOptions
	policy  regPolicy
	initial [sha256.Size]byte
}

// RegistrationHandler serves dynamic client registration (RFC 7591) and
// management (RFC 7592):
//
//	POST   /register              register; 201 with the credentials
//	GET    /register/{client_id}  read, with the registration access token
//	PUT    /register/{client_id}  replace the metadata
//	DELETE /register/{client_id}  delete; 204
//
// Mount it where those paths are seen relative to the issuer. Every
// response carries Cache-Control: no-store; errors are RFC 7591 §3.2.2 JSON.
// Registration access tokens are stored only as hashes. A client registered
// here is always confidential-by-default, consent-required and pairwise
// unless it asks for public subjects.
func (r *Registry) RegistrationHandler(opts RegistrationOptions) http.Handler {
	opts.Issuer = strings.TrimSuffix(opts.Issuer, "/")
	if opts.AllowedScopes == nil {
		opts.AllowedScopes = []string{"openid", "offline_access"}
	}
	h := &regHandler{
		r:      r,
		opts:   opts,
		policy: regPolicy{allowHTTP: opts.AllowHTTPRedirects, allowedScopes: slices.Clone(opts.AllowedScopes)},
	}
	if opts.InitialAccessToken != "" {
		h.initial = sha256.Sum256([]byte(opts.InitialAccessToken))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /register", h.create)
	mux.HandleFunc("GET /register/{id}", h.read)
	mux.HandleFunc("PUT /register/{id}", h.update)
	mux.HandleFunc("DELETE /register/{id}", h.delete)
	mux.HandleFunc("/register", methodNotAllowed("POST"))
	mux.HandleFunc("/register/{id}", methodNotAllowed("GET, PUT, DELETE"))
	return mux
}

func (h *regHandler) create(w http.ResponseWriter, req *http.Request) {
	if !h.initialTokenOK(req) {
		writeAuthError(w)
		return
	}
	rr, rerr := readRequest(w, req)
	if rerr != nil {
		writeError(w, http.StatusBadRequest, rerr)
		return
	}
	m, rerr := h.policy.normalize(rr)
	if rerr != nil {
		writeError(w, http.StatusBadRequest, rerr)
		return
	}
	m.CreatedAt = h.r.now().UTC().Truncate(time.Second)
	var secret string
	if clientmeta.UsesSecret(string(m.AuthMethod)) {
		secret = newSecret()
		m.SecretHash = clientmeta.HashSecret(secret)
	}
	rat := newSecret()
	for attempt := 0; ; attempt++ {
		m.ID = newClientID()
		if _, static := h.r.static[m.ID]; static {
			continue
		}
		b, err := json.Marshal(record{Client: *m, RATHash: clientmeta.HashSecret(rat)})
		if err != nil {
			writeServerError(w, err)
			return
		}
		err = h.r.b.Create(req.Context(), namespace, m.ID, b, 0)
		if err == nil {
			break
		}
		// A collision of 128 random bits means a broken random source;
		// give up rather than loop.
		if !errors.Is(err, store.ErrExists) || attempt >= 2 {
			writeServerError(w, err)
			return
		}
	}
	writeJSON(w, http.StatusCreated, h.response(m, secret, rat))
}

func (h *regHandler) read(w http.ResponseWriter, req *http.Request) {
	c, _, rat, ok := h.authorize(w, req)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, h.response(&c.Metadata, "", rat))
}

func (h *regHandler) update(w http.ResponseWriter, req *http.Request) {
	c, rec, rat, ok := h.authorize(w, req)
	if !ok {
		return
	}
	rr, rerr := readRequest(w, req)
	if rerr != nil {
		writeError(w, http.StatusBadRequest, rerr)
		return
	}
	// RFC 7592 §2.2: the request names the client it updates, and a
	// secret in it must be the current one.
	if rr.ClientID != c.ID {
		writeError(w, http.StatusBadRequest, metaErr("client_id must be present and match the client being updated"))
		return
	}
	if rr.ClientSecret != nil && (c.SecretHash == "" || !clientmeta.VerifySecret(c.SecretHash, *rr.ClientSecret)) {
		writeError(w, http.StatusBadRequest, metaErr("client_secret does not match the current secret"))
		return
	}
	m, rerr := h.policy.normalize(rr)
	if rerr != nil {
		writeError(w, http.StatusBadRequest, rerr)
		return
	}
	// A client that authenticates is not made public by its registration
	// access token alone: a leaked token would turn it into one whose
	// refresh tokens and codes need no secret. Re-registering is the way.
	if m.AuthMethod == oidc.AuthMethodNone && c.Metadata.AuthMethod != oidc.AuthMethodNone {
		writeError(w, http.StatusBadRequest, metaErr("token_endpoint_auth_method cannot change to none; register a new client instead"))
		return
	}
	m.ID, m.CreatedAt = c.ID, c.CreatedAt
	var secret string
	switch {
	case !clientmeta.UsesSecret(string(m.AuthMethod)):
		m.SecretHash = ""
	case c.SecretHash != "":
		m.SecretHash = c.SecretHash // keep the secret the client holds
	default:
		secret = newSecret() // switching to a secret method: issue one
		m.SecretHash = clientmeta.HashSecret(secret)
	}
	newRec, err := json.Marshal(record{Client: *m, RATHash: rec.RATHash})
	if err != nil {
		writeServerError(w, err)
		return
	}
	err = h.r.b.Update(req.Context(), namespace, c.ID, func(old []byte) ([]byte, error) {
		// Recheck under compare-and-swap: the token may have been
		// invalidated by a delete and re-create in between.
		var cur record
		if err := json.Unmarshal(old, &cur); err != nil || cur.RATHash != rec.RATHash {
			return nil, errStale
		}
		return newRec, nil
	})
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, errStale):
		writeAuthError(w)
		return
	case err != nil:
		writeServerError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, h.response(m, secret, rat))
}

var errStale = errors.New("registration changed")

func (h *regHandler) delete(w http.ResponseWriter, req *http.Request) {
	c, _, _, ok := h.authorize(w, req)
	if !ok {
		return
	}
	if err := h.r.b.Delete(req.Context(), namespace, c.ID); err != nil {
		writeServerError(w, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// authorize checks the registration access token for the client in the
// path. Unknown clients, static clients and wrong tokens all get the same
// 401 (RFC 7592 §2: do not reveal whether the client exists).
func (h *regHandler) authorize(w http.ResponseWriter, req *http.Request) (*Client, *record, string, bool) {
	tok, hasTok := bearer(req)
	c, rec, err := h.r.get(req.Context(), req.PathValue("id"))
	if err != nil && !errors.Is(err, ErrNotFound) {
		writeServerError(w, err)
		return nil, nil, "", false
	}
	hash := dummyHash
	if rec != nil {
		hash = rec.RATHash
	}
	match := clientmeta.VerifySecret(hash, tok)
	if !hasTok || rec == nil || !match {
		writeAuthError(w)
		return nil, nil, "", false
	}
	return c, rec, tok, true
}

func (h *regHandler) initialTokenOK(req *http.Request) bool {
	if h.opts.Open {
		return true
	}
	tok, ok := bearer(req)
	if !ok || h.opts.InitialAccessToken == "" {
		return false
	}
	got := sha256.Sum256([]byte(tok))
	return subtle.ConstantTimeCompare(got[:], h.initial[:]) == 1
}

// bearer returns the token of an "Authorization: Bearer" header.
func bearer(req *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(req.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// readRequest checks the content type and parses a bounded body.
func readRequest(w http.ResponseWriter, req *http.Request) (*regRequest, *regError) {
	mt, _, err := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, metaErr("Content-Type must be application/json")
	}
	return parseRequest(http.MaxBytesReader(w, req.Body, MaxRegistrationBody))
}

func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, &regError{Code: "invalid_request", Description: "method not allowed; use " + allow})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeServerError(w, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	// Responses carry client secrets and tokens (RFC 7591 §3.2.1).
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	w.Write(b)
}

func writeError(w http.ResponseWriter, status int, e *regError) { writeJSON(w, status, e) }

func writeAuthError(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	writeError(w, http.StatusUnauthorized, &regError{Code: "invalid_token", Description: "missing or invalid access token"})
}

// writeServerError answers 503 when the store is unreachable, so a load
// balancer or client retries, and 500 otherwise. The cause goes to the log,
// not to the client.
func writeServerError(w http.ResponseWriter, err error) {
	slog.Error("client registration failed", "err", err)
	if errors.Is(err, store.ErrUnavailable) {
		writeError(w, http.StatusServiceUnavailable, &regError{Code: "temporarily_unavailable", Description: "try again later"})
		return
	}
	writeError(w, http.StatusInternalServerError, &regError{Code: "server_error", Description: "internal error"})
}
