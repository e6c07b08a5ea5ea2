package bridge

import (
	"context"
	"net/http"

	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

// Status returns the state of transaction id as the login page sees it,
// authorised by the browser token from Create. Errors are *protocol.Error
// (not_found, unauthorized, unavailable, internal).
func (s *Service) Status(ctx context.Context, id, browserToken string) (protocol.Status, error) {
	st, _, perr := s.status(ctx, id, browserToken)
	if perr != nil {
		return protocol.Status{}, perr
	}
	return st, nil
}

// status is Status that also returns the record, for the event stream.
func (s *Service) status(ctx context.Context, id, token string) (protocol.Status, *record, *protocol.Error) {
	if !validID(id) {
		return protocol.Status{}, nil, protocol.NewError(protocol.CodeNotFound)
	}
	if token == "" {
		return protocol.Status{}, nil, protocol.NewError(protocol.CodeUnauthorized)
	}
	rec, perr := s.load(ctx, id)
	if perr != nil {
		return protocol.Status{}, nil, perr
	}
	if !secretMatches(token, rec.TokenHash) {
		return protocol.Status{}, nil, protocol.NewError(protocol.CodeUnauthorized)
	}
	return rec.status(s.now()), rec, nil
}

// browserToken takes the token from "Authorization: Bearer" or, for
// EventSource which cannot set headers, from the query.
func browserToken(r *http.Request) string {
	if tok, ok := bearer(r); ok {
		return tok
	}
	q := r.URL.Query()[protocol.BrowserTokenParam]
	if len(q) != 1 {
		return ""
	}
	return q[0]
}

// serveStatus handles GET /bridge/v1/tx/{id}/status, the polling fallback
// of the events stream.
func (s *Service) serveStatus(w http.ResponseWriter, r *http.Request, id string) {
	st, _, perr := s.status(r.Context(), id, browserToken(r))
	if perr != nil {
		writeError(w, perr)
		return
	}
	writeJSON(w, http.StatusOK, st)
}
