package api

import "net/http"

// Repairs keeps credit repair applications and the red and black list queries.
type Repairs interface{}

func (a *server) routeRepairs(mux *http.ServeMux) {}
