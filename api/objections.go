package api

import "net/http"

// Objections keeps the objections (appeals) people file and departments decide.
type Objections interface{}

func (a *server) routeObjections(mux *http.ServeMux) {}
