package main

import (
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// listenPprof opens the profiler's listener: development only, and only
// on a loopback address, so that it never shares the provider's port or
// reaches the network.
func listenPprof(addr string, dev bool) (net.Listener, error) {
	if !dev {
		return nil, usagef("--dev-pprof is for development only (dev: true)")
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, usagef("--dev-pprof %q: %v", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, usagef("--dev-pprof %q: give a loopback IP address, e.g. 127.0.0.1:6060", addr)
	}
	return net.Listen("tcp", addr)
}

// servePprof serves net/http/pprof on ln, on a mux of its own: the
// package's side effect on http.DefaultServeMux is never served. Requests
// must name the listener by a loopback address in Host, so a web page in
// the developer's browser cannot reach it through DNS rebinding.
func servePprof(ln net.Listener) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: loopbackHost(mux), ReadHeaderTimeout: 10 * time.Second}
	_ = srv.Serve(ln)
}

// loopbackHost refuses requests whose Host is not a loopback IP address.
func loopbackHost(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.Host)
		if err != nil {
			host = r.Host
		}
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}
