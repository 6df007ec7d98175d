package web

import "net/http"

// routePortal registers the public portal's pages.
func (s *server) routePortal(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", s.home)
}

// home serves GET /: what the site is, the look-up form, where to go.
func (s *server) home(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "home.html", nil)
}
