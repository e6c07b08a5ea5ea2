package server

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/zitadel/oidc/v3/pkg/op"
)

// Health answers /healthz: the process is up. It touches nothing else, so
// an orchestrator does not restart a healthy process because Redis blinked.
func (s *Server) Health(context.Context, *op.Request[struct{}]) (*op.Response, error) {
	return op.NewResponse(op.Status{Status: "ok"}), nil
}

// Ready answers the library's /ready like /readyz.
func (s *Server) Ready(ctx context.Context, _ *op.Request[struct{}]) (*op.Response, error) {
	if err := s.ping(ctx); err != nil {
		return nil, op.NewStatusError(errTemporarilyUnavailable().WithParent(err), http.StatusServiceUnavailable)
	}
	return op.NewResponse(op.Status{Status: "ok"}), nil
}

// readyHandler answers /readyz: 200 when the store answers a ping, 503
// when it does not, so a load balancer sends traffic elsewhere.
func (s *Server) readyHandler(w http.ResponseWriter, r *http.Request) {
	if err := s.ping(r.Context()); err != nil {
		s.log.WarnContext(r.Context(), "not ready", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{
			"status": "unavailable", "error": "temporarily_unavailable",
			"error_description": "The store cannot be reached."})
		return
	}
	writeJSON(w, http.StatusOK, op.Status{Status: "ok"})
}

func (s *Server) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return s.backend.Ping(ctx)
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
