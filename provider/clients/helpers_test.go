package clients

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inkan-id/inkan/provider/store"
	"github.com/inkan-id/inkan/provider/store/bolt"
)

// writes wraps the real store and counts successful writes, to prove that
// refused requests change nothing.
type writes struct {
	store.Backend
	n atomic.Int64
}

func (w *writes) count(err error) error {
	if err == nil {
		w.n.Add(1)
	}
	return err
}

func (w *writes) Put(ctx context.Context, ns, key string, val []byte, ttl time.Duration) error {
	return w.count(w.Backend.Put(ctx, ns, key, val, ttl))
}

func (w *writes) Create(ctx context.Context, ns, key string, val []byte, ttl time.Duration) error {
	return w.count(w.Backend.Create(ctx, ns, key, val, ttl))
}

func (w *writes) Update(ctx context.Context, ns, key string, fn func([]byte) ([]byte, error)) error {
	return w.count(w.Backend.Update(ctx, ns, key, fn))
}

func (w *writes) Delete(ctx context.Context, ns, key string) error {
	return w.count(w.Backend.Delete(ctx, ns, key))
}

func openStore(t testing.TB) *writes {
	t.Helper()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "inkan.db"), &bolt.Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &writes{Backend: s}
}

const issuer = "https://id.example.jp"

// do sends one request to h and decodes a JSON answer into a map.
func do(t testing.TB, h http.Handler, method, path, token string, body any) (int, map[string]any, http.Header) {
	t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case string:
		rd = bytes.NewReader([]byte(b))
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: response is not JSON: %q", method, path, rec.Body.String())
		}
	}
	return rec.Code, out, rec.Header()
}

// ecJWKS is a P-256 public key set.
const ecJWKS = `{"keys":[{"kty":"EC","crv":"P-256","kid":"rp-2026-01","use":"sig","alg":"ES256","x":"Rr-IWDqEyvJSbbL4kyRSuyc-DYdj-FYjRmV4evZxdd8","y":"KFjvEjcZBVafIJfOpoJ8ienpCeU969g-AeUzCYkyMJQ"}]}`
