package bridge

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

// Handler serves the bridge endpoints at their full paths (/bridge/v1/...).
// When the issuer has a path, mount it with http.StripPrefix of that path.
//
//	GET  /bridge/v1/tx/{id}         agent secret + claim  → protocol.Transaction
//	POST /bridge/v1/tx/{id}         agent secret + claim  protocol.Response → protocol.Result
//	GET  /bridge/v1/tx/{id}/status  browser token  → protocol.Status
//	GET  /bridge/v1/tx/{id}/events  browser token  → text/event-stream of protocol.Status
//
// Every error is a protocol.Error body with the code's HTTP status; every
// answer carries Cache-Control: no-store.
func (s *Service) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

func (s *Service) serveHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	rest, ok := strings.CutPrefix(r.URL.Path, protocol.TxPath)
	if !ok {
		writeError(w, protocol.NewError(protocol.CodeNotFound))
		return
	}
	id, sub, _ := strings.Cut(rest, "/")
	if !validID(id) {
		writeError(w, protocol.NewError(protocol.CodeNotFound))
		return
	}
	switch sub {
	case "":
		switch r.Method {
		case http.MethodGet:
			s.serveFetch(w, r, id)
		case http.MethodPost:
			s.serveAnswer(w, r, id)
		default:
			h.Set("Allow", "GET, POST")
			writeError(w, protocol.NewError(protocol.CodeMethodNotAllowed))
		}
	case "status", "events":
		if r.Method != http.MethodGet {
			h.Set("Allow", "GET")
			writeError(w, protocol.NewError(protocol.CodeMethodNotAllowed))
			return
		}
		if sub == "status" {
			s.serveStatus(w, r, id)
		} else {
			s.serveEvents(w, r, id)
		}
	default:
		writeError(w, protocol.NewError(protocol.CodeNotFound))
	}
}

// validID accepts the shape of ids this package makes; anything else is
// not found without a store read.
func validID(id string) bool {
	if len(id) != protocol.IDLen {
		return false
	}
	b, err := protocol.DecodeBase64URL(id)
	return err == nil && len(b) == protocol.IDBytes
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // only our own types reach here
		status, b = http.StatusInternalServerError, []byte(`{"code":"internal"}`)
	}
	w.Header().Set("Content-Type", protocol.MediaType)
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, e *protocol.Error) {
	if e.Code == protocol.CodeUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="inkan-bridge"`)
	}
	if e.Code == protocol.CodeBusy || e.Code == protocol.CodeUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, e.Code.HTTPStatus(), e)
}

// bearer returns the token of a single "Authorization: Bearer" header.
func bearer(r *http.Request) (string, bool) {
	vals := r.Header.Values("Authorization")
	if len(vals) != 1 {
		return "", false
	}
	scheme, tok, ok := strings.Cut(vals[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" || len(tok) > 128 {
		return "", false
	}
	return tok, true
}

// load reads and decodes a record.
func (s *Service) load(ctx context.Context, id string) (*record, *protocol.Error) {
	rec, _, perr := s.loadRaw(ctx, id)
	return rec, perr
}

// loadRaw is load that also returns the record as stored, for a
// compare-and-swap from it (store.UpdateFrom) without reading it again.
func (s *Service) loadRaw(ctx context.Context, id string) (*record, []byte, *protocol.Error) {
	b, err := s.backend.Get(ctx, Namespace, id)
	if err != nil {
		return nil, nil, s.storeError(ctx, "get", err)
	}
	rec, err := decodeRecord(b)
	if err != nil {
		return nil, nil, s.storeError(ctx, "decode", err)
	}
	return rec, b, nil
}

// authorize loads the record and checks the agent secret. It returns the
// record decoded and as stored.
func (s *Service) authorize(r *http.Request, id string) (*record, []byte, *protocol.Error) {
	secret, ok := bearer(r)
	if !ok {
		return nil, nil, protocol.NewError(protocol.CodeUnauthorized)
	}
	rec, raw, perr := s.loadRaw(r.Context(), id)
	if perr != nil {
		return nil, nil, perr
	}
	if !secretMatches(secret, rec.SecretHash) {
		return nil, nil, protocol.NewError(protocol.CodeUnauthorized)
	}
	return rec, raw, nil
}

// serveFetch answers GET /bridge/v1/tx/{id}: what the agent shows and signs.
// The first agent to fetch claims the transaction (claim.go).
func (s *Service) serveFetch(w http.ResponseWriter, r *http.Request, id string) {
	rec, raw, token, perr := s.authorizeAgent(r, id, true)
	if perr != nil {
		writeError(w, perr)
		return
	}
	if perr := rec.refusal(s.now()); perr != nil {
		writeError(w, perr)
		return
	}
	if rec.AgentHash == nil {
		if rec, perr = s.claim(r.Context(), id, token, rec, raw); perr != nil {
			writeError(w, perr)
			return
		}
	}
	writeJSON(w, http.StatusOK, protocol.Transaction{
		ID:           rec.ID,
		Purpose:      rec.Purpose,
		Nonce:        protocol.EncodeBase64URL(rec.Nonce),
		RelyingParty: rec.RP,
		Scopes:       rec.Scopes,
		CreatedAt:    rec.CreatedAt,
		ExpiresAt:    rec.ExpiresAt,
		Origin:       s.origin,
		BindingCode:  rec.BindingCode,
	})
}
