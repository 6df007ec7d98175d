package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/principal"
	"github.com/credex/credex/store"
)

// KeyStore finds the principal of an API key: store.ErrNotFound for a key
// unknown or revoked, store.ErrKeyExpired for one past its overlap.
type KeyStore interface {
	PrincipalByKey(ctx context.Context, key string) (*principal.Principal, error)
}

// KeyCheck checks credentials as the API authenticates requests, and
// counts the failed attempts of each client address against a limit:
// beyond it, an address's attempts are refused before their credentials
// are looked up, whatever they are. The API and the pages' sign-in share
// one, so that failures at either count against the same limit. It is safe
// for concurrent use.
type KeyCheck struct {
	keys     KeyStore
	limiter  *limiter
	failures *prometheus.CounterVec
}

// NewKeyCheck returns a KeyCheck of the keys of st, limiting the failures
// of each client address to limit (zero: DefaultFailedAuthLimit; a
// negative Rate does not limit), and registers the count of failures,
// credex_auth_failures_total, with reg.
func NewKeyCheck(st KeyStore, limit Limit, reg prometheus.Registerer) *KeyCheck {
	if limit == (Limit{}) {
		limit = DefaultFailedAuthLimit
	}
	return &KeyCheck{keys: st, limiter: newLimiter(limit, time.Now), failures: newAuthFailures(reg)}
}

// Check returns the principal of key, sent with r. When r's client address
// failed more often than the limit allows, it returns how long to wait
// before trying again, and looks nothing up. Otherwise it returns
// store.ErrNotFound for a key unknown or revoked and store.ErrKeyExpired
// for one expired, each counted as a failure of r's address (a failure
// beyond the limit returns the wait too); any other error means the
// database did not answer.
func (k *KeyCheck) Check(r *http.Request, key string) (*principal.Principal, time.Duration, error) {
	if wait, refused := k.refused(r); refused {
		return nil, wait, nil
	}
	p, err := k.keys.PrincipalByKey(r.Context(), key)
	switch {
	case errors.Is(err, store.ErrKeyExpired):
		wait, _ := k.failed(r, "expired_key")
		return nil, wait, err
	case errors.Is(err, store.ErrNotFound):
		wait, _ := k.failed(r, "invalid_key")
		return nil, wait, err
	case err != nil:
		return nil, 0, err
	}
	return p, 0, nil
}

// refused reports whether r's client address failed more often than the
// limit allows, and how long until it may try again.
func (k *KeyCheck) refused(r *http.Request) (time.Duration, bool) {
	ok, wait := k.limiter.peek(clientAddr(r))
	return wait, !ok
}

// failed counts a failure of r's credentials for reason (invalid_key,
// expired_key, unregistered_certificate) against its client address; it
// reports whether the failure is beyond the limit, and how long until the
// address may try again.
func (k *KeyCheck) failed(r *http.Request, reason string) (time.Duration, bool) {
	k.failures.WithLabelValues(reason).Inc()
	ok, wait := k.limiter.take(clientAddr(r))
	return wait, !ok
}
