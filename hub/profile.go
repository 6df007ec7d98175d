package hub

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/credex/credex/api"
)

// serveProfiles serves Go's profiles on the profile address until the
// returned server is closed.
func (h *Hub) serveProfiles(ctx context.Context) (*http.Server, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// A CPU profile or trace takes as long as asked (30s by default).
	return h.serveAdmin(ctx, "profile", h.cfg.ProfileAddr, mux, 10*time.Minute)
}

// serveMetrics serves /metrics on the metrics address, behind the metrics
// token when one is set, until the returned server is closed.
func (h *Hub) serveMetrics(ctx context.Context) (*http.Server, error) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", api.Metrics(h.registry, h.cfg.MetricsToken))
	return h.serveAdmin(ctx, "metrics", h.cfg.MetricsAddr, mux, 30*time.Second)
}

// serveAdmin serves handler for operators on addr, an address of its own,
// until the returned server is closed.
func (h *Hub) serveAdmin(ctx context.Context, what, addr string, handler http.Handler, writeTimeout time.Duration) (*http.Server, error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s address: %w", what, err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: writeTimeout}
	go srv.Serve(ln)
	h.log.Info(what+" served", "addr", ln.Addr().String())
	return srv, nil
}
