// Package oidctest starts the test identity provider of credex dev
// (devoidc) for tests, so that they act for persons with real ID tokens.
package oidctest

import (
	"net/http/httptest"
	"testing"

	"github.com/credex/credex/internal/devoidc"
)

// Issuer starts a test identity provider on a loopback server that stops
// when the test ends.
func Issuer(t testing.TB) *devoidc.Issuer {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	iss, err := devoidc.New("http://"+srv.Listener.Addr().String()+devoidc.Path, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = iss.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	return iss
}
