package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"syscall"
	"time"
)

// errNotLoopback: the dialer refuses every address off this machine, so
// no redirect or discovery document can send load anywhere else.
var errNotLoopback = errors.New("inkan-load: refusing to connect to a non-loopback address")

// newTransport returns the one transport every virtual user shares. Its
// idle pool is as large as the load, so that connections are reused as a
// browser's would be; the default transport keeps two per host, and the
// rest would cost the provider a new TCP connection per request.
func newTransport(concurrency int) *http.Transport {
	return &http.Transport{
		Proxy:               nil, // never through a proxy, even if the environment names one
		DialContext:         loopbackDialer().DialContext,
		MaxIdleConns:        4 * concurrency,
		MaxIdleConnsPerHost: 4 * concurrency,
		IdleConnTimeout:     30 * time.Second,
	}
}

// loopbackDialer connects only to loopback addresses, checked after name
// resolution.
func loopbackDialer() *net.Dialer {
	return &net.Dialer{
		Timeout: 5 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
				return fmt.Errorf("%w: %s", errNotLoopback, address)
			}
			return nil
		},
	}
}

// noRedirect makes a client hand back every redirect: the tool follows
// each hop itself, times it, and stops at the relying party's redirect URI
// as a browser would hand over to the relying party.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// browserClient is a fresh browser: its own cookie jar, the shared
// transport.
func browserClient(tr http.RoundTripper, timeout time.Duration) *http.Client {
	jar, _ := cookiejar.New(nil) // never fails without options
	return &http.Client{Transport: tr, Jar: jar, CheckRedirect: noRedirect, Timeout: timeout}
}
