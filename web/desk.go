package web

import "net/http"

// routeDesk registers the department desk under /desk/.
func (s *server) routeDesk(mux *http.ServeMux) {
	mux.HandleFunc("GET /desk/{$}", s.deskIndex)
}

// deskIndex serves GET /desk/.
func (s *server) deskIndex(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "desk.html", nil)
}
