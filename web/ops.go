package web

import "net/http"

// routeOps registers the operator overview under /ops/.
func (s *server) routeOps(mux *http.ServeMux) {
	mux.HandleFunc("GET /ops/{$}", s.opsIndex)
}

// opsIndex serves GET /ops/.
func (s *server) opsIndex(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "ops.html", nil)
}
