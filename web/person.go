package web

import "net/http"

// routePerson registers the pages of a signed-in person.
func (s *server) routePerson(mux *http.ServeMux) {}
