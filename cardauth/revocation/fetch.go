package revocation

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

// noRedirectClient is the default HTTP client: revocation data is fetched
// from configured URLs, and a redirect to somewhere else is not followed
// silently. Timeouts come from the request context.
var noRedirectClient = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// isURL reports whether loc is an http(s) URL rather than a file path.
func isURL(loc string) bool {
	l := strings.ToLower(loc)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// readLimited reads all of r but fails with ErrTooLarge past max bytes, so a
// hostile server cannot make us buffer an unbounded body.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w (more than %d bytes)", ErrTooLarge, max)
	}
	return b, nil
}

// readFile reads a local file with the same size cap as a download.
func readFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(f, max)
}

// httpDo sends one request and returns the size-capped body of a 200 answer.
// body == nil means GET.
func httpDo(ctx context.Context, c *http.Client, url string, body []byte, contentType, accept string, max int64) ([]byte, error) {
	method, rd := http.MethodGet, io.Reader(nil)
	if body != nil {
		method, rd = http.MethodPost, bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if c == nil {
		c = noRedirectClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// Drain a little so the connection can be reused; ignore errors.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, &HTTPError{URL: url, StatusCode: resp.StatusCode}
	}
	if resp.ContentLength > max {
		return nil, fmt.Errorf("%w (Content-Length %d > %d)", ErrTooLarge, resp.ContentLength, max)
	}
	b, err := readLimited(resp.Body, max)
	if err != nil && !errors.Is(err, ErrTooLarge) {
		return nil, fmt.Errorf("revocation: reading %s: %w", url, err)
	}
	return b, err
}
