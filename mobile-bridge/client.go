package mobilebridge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

// defaultTimeout bounds one HTTP exchange when the caller gave no client.
const defaultTimeout = 30 * time.Second

// httpClient returns a copy of c that never follows redirects: the origin
// the agent signs must be the one it connected to, and the secret must go
// nowhere else.
func httpClient(c *http.Client) *http.Client {
	var cc http.Client
	if c != nil {
		cc = *c
	} else {
		cc.Timeout = defaultTimeout
	}
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

// exchange sends one request with the agent secret and claim token and
// decodes a 200 JSON
// answer into out (read up to limit bytes). Other answers become
// *protocol.Error or *BadAnswerError.
func exchange(ctx context.Context, c *http.Client, op, method, url, secret, claim string, body any, limit int64, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return &TransportError{Op: op, Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set(protocol.ClaimHeader, claim)
	req.Header.Set("Accept", protocol.MediaType)
	if body != nil {
		req.Header.Set("Content-Type", protocol.MediaType)
	}
	resp, err := c.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			return ctxErr
		}
		return &TransportError{Op: op, Err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return &TransportError{Op: op, Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		if pe := protocol.DecodeErrorBody(b, resp.StatusCode); pe != nil {
			return pe
		}
		return &BadAnswerError{Op: op, Status: resp.StatusCode, Reason: "no bridge error body"}
	}
	if int64(len(b)) > limit {
		return &BadAnswerError{Op: op, Status: resp.StatusCode, Reason: "body too large"}
	}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || mt != protocol.MediaType {
		return &BadAnswerError{Op: op, Status: resp.StatusCode, Reason: "not JSON"}
	}
	if err := json.Unmarshal(b, out); err != nil {
		return &BadAnswerError{Op: op, Status: resp.StatusCode, Reason: "malformed JSON"}
	}
	return nil
}
