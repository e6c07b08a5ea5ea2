package bridge

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

// FuzzAnswerBody posts arbitrary bodies to a live transaction. Whatever
// the body, the handler answers a protocol error with a 4xx status (or 503
// for a revocation check, never 500), never completes the login, and the
// transaction's record stays readable.
func FuzzAnswerBody(f *testing.F) {
	e := newEnv(f, func(c *Config) { c.MaxAttempts = 1 << 20 })
	c, l := e.create(protocol.PurposeAuth)
	good := e.goodAnswer(l)
	goodJSON, _ := json.Marshal(good)
	bad := good
	bad.Signature = bytes.Clone(good.Signature)
	bad.Signature[0] ^= 1
	badJSON, _ := json.Marshal(bad)
	f.Add(badJSON)
	f.Add(bytes.Replace(goodJSON, []byte(`"signature"`), []byte(`"signature":"YQ","x"`), 1))
	f.Add([]byte(`{"client_data":"YQ","certificate":"YQ","signature":"YQ"}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	h := e.svc.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		if bytes.Equal(body, goodJSON) {
			return // the one body that may succeed
		}
		req := httptest.NewRequest("POST", protocol.TxPath+c.ID, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+l.Secret)
		req.Header.Set(protocol.ClaimHeader, e.agent)
		req.Header.Set("Content-Type", protocol.MediaType)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code == http.StatusOK || w.Code >= 500 && w.Code != http.StatusServiceUnavailable {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		if protocol.DecodeErrorBody(w.Body.Bytes(), w.Code) == nil {
			t.Fatalf("no error body: %s", w.Body)
		}
		if e.comp.count() != 0 {
			t.Fatal("Completer called")
		}
		if st, err := e.svc.Status(bg, c.ID, c.BrowserToken); err != nil || st.State != protocol.StatePending {
			t.Fatalf("status %+v, %v", st, err)
		}
	})
}
