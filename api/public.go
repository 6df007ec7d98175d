package api

import "net/http"

// PublicRecords keeps what the public may see of the public credit database.
type PublicRecords interface{}

func (a *server) routePublic(mux *http.ServeMux) {}
