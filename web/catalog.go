package web

import "net/http"

// routeCatalog registers the catalogue pages under /catalog/.
func (s *server) routeCatalog(mux *http.ServeMux) {
	mux.HandleFunc("GET /catalog/{$}", s.catalogIndex)
}

// catalogIndex serves GET /catalog/.
func (s *server) catalogIndex(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "catalog.html", nil)
}
