package hub

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// serveProfiles serves Go's profiles on the profile address until the
// returned server is closed.
func (h *Hub) serveProfiles(ctx context.Context) (*http.Server, error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", h.cfg.ProfileAddr)
	if err != nil {
		return nil, fmt.Errorf("profile address: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// A CPU profile or trace takes as long as asked (30s by default).
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 10 * time.Minute}
	go srv.Serve(ln)
	h.log.Info("profiles served", "addr", ln.Addr().String())
	return srv, nil
}
