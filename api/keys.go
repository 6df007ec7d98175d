package api

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/credex/credex/authz"
	"github.com/credex/credex/internal/apierr"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/store"
)

// Keys are the principals' API keys.
type Keys interface {
	// IssueKey stores a new key and retires the one it replaces;
	// store.ErrKeyReplaced when that one was replaced already.
	IssueKey(ctx context.Context, k store.NewKey) (issued store.Key, retired *store.Key, err error)
	// Keys lists a principal's keys.
	Keys(ctx context.Context, principal string) ([]store.Key, error)
	// RevokeKey revokes one of a principal's keys; store.ErrNotFound when
	// it has no such key.
	RevokeKey(ctx context.Context, principal, id string) (store.Key, error)
}

// DefaultKeyOverlap is how long a key replaced through POST /v1/keys keeps
// working, unless Deps.KeyOverlap says otherwise.
const DefaultKeyOverlap = 24 * time.Hour

// DefaultKeyLifetime is how long a key issued through POST /v1/keys works,
// unless Deps.KeyLifetime says otherwise: its holder replaces it before.
const DefaultKeyLifetime = 90 * 24 * time.Hour

// maxLabel bounds the label of a key, in characters.
const maxLabel = 200

// KeyPrefix starts every API key the hub issues, so that a key found in a
// log or a repository is recognised for what it is.
const KeyPrefix = "cx_"

var (
	errNoKeyFound   = apierr.New(http.StatusNotFound, "key_not_found", "no API key with this id is visible to you")
	errExpiredKey   = apierr.New(http.StatusUnauthorized, "expired_credentials", "the API key has expired; use the key that replaced it")
	errNotKeyHolder = apierr.New(http.StatusForbidden, "not_a_principal", "only principals with API keys manage keys")
	errKeyReplaced  = apierr.New(http.StatusForbidden, "key_replaced",
		"this API key has been replaced and works only until its overlap ends; issue keys with the key that replaced it")
)

func (a *server) routeKeys(mux *http.ServeMux) {
	mux.Handle("POST /v1/keys", a.authenticate(http.HandlerFunc(a.issueKey)))
	mux.Handle("GET /v1/keys", a.authenticate(http.HandlerFunc(a.listKeys)))
	mux.Handle("DELETE /v1/keys/{id}", a.authenticate(http.HandlerFunc(a.revokeOwnKey)))
	mux.Handle("DELETE /v1/principals/{name}/keys/{id}", a.authenticate(http.HandlerFunc(a.revokeKey)))
}

// keyView is a key as the API shows it: the secret only once, when issued.
type keyView struct {
	ID        string     `json:"id"`
	Key       string     `json:"key,omitempty"`
	Label     string     `json:"label"`
	Principal string     `json:"principal"`
	Current   bool       `json:"current"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at"`
}

func viewKey(k store.Key, current string) keyView {
	return keyView{ID: k.ID, Label: k.Label, Principal: k.Principal, Current: k.ID == current,
		CreatedAt: k.CreatedAt, ExpiresAt: k.ExpiresAt, RevokedAt: k.RevokedAt}
}

// newKey returns a random API key: KeyPrefix and 32 random bytes, base64url.
func newKey() string {
	b := make([]byte, 32)
	rand.Read(b)
	return KeyPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// issueKey serves POST /v1/keys: a new key for the caller, shown once,
// that expires after the key lifetime; the key the request used expires
// after the overlap. A key replaced already issues none.
func (a *server) issueKey(w http.ResponseWriter, r *http.Request) {
	p := principal.From(r.Context())
	if !authz.Allowed(p.Kind, authz.ManageOwnKeys, nil) {
		apierr.Write(w, errNotKeyHolder)
		return
	}
	var req struct {
		Label string `json:"label"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10))
	if err := decodeJSON(dec, &req); err != nil && !errors.Is(err, io.EOF) {
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_body", `the body is empty or {"label": ...}`))
		return
	}
	if e := tooLong("/label", req.Label, maxLabel); e != nil {
		apierr.Write(w, e)
		return
	}
	secret := newKey()
	issued, retired, err := a.Keys.IssueKey(r.Context(), store.NewKey{
		ID: newID("key_"), Principal: p.Name, Label: req.Label, Hash: principal.HashKey(secret),
		Lifetime: a.KeyLifetime, Retire: p.KeyID, Overlap: a.KeyOverlap,
	})
	if errors.Is(err, store.ErrKeyReplaced) {
		apierr.Write(w, errKeyReplaced)
		return
	}
	if err != nil {
		a.Logger.ErrorContext(r.Context(), "issue key", "err", err)
		apierr.Write(w, errDown)
		return
	}
	v := struct {
		keyView
		Replaced *keyView `json:"replaced,omitempty"`
	}{keyView: viewKey(issued, "")}
	v.Key = secret
	if retired != nil {
		old := viewKey(*retired, p.KeyID)
		v.Replaced = &old
	}
	a.Logger.InfoContext(r.Context(), "key issued", "principal", p.Name, "key", issued.ID, "replaced", p.KeyID)
	apierr.JSON(w, http.StatusCreated, v)
}

// listKeys serves GET /v1/keys: the caller's keys, never their secrets.
func (a *server) listKeys(w http.ResponseWriter, r *http.Request) {
	p := principal.From(r.Context())
	if !authz.Allowed(p.Kind, authz.ManageOwnKeys, nil) {
		apierr.Write(w, errNotKeyHolder)
		return
	}
	keys, err := a.Keys.Keys(r.Context(), p.Name)
	if err != nil {
		a.Logger.ErrorContext(r.Context(), "list keys", "err", err)
		apierr.Write(w, errDown)
		return
	}
	views := make([]keyView, len(keys))
	for i, k := range keys {
		views[i] = viewKey(k, p.KeyID)
	}
	apierr.JSON(w, http.StatusOK, map[string]any{"keys": views})
}

// revokeOwnKey serves DELETE /v1/keys/{id}: the caller revokes one of its
// own keys, the one it uses included.
func (a *server) revokeOwnKey(w http.ResponseWriter, r *http.Request) {
	p := principal.From(r.Context())
	if !authz.Allowed(p.Kind, authz.ManageOwnKeys, nil) {
		apierr.Write(w, errNotKeyHolder)
		return
	}
	a.revoke(w, r, p, p.Name)
}

// revokeKey serves DELETE /v1/principals/{name}/keys/{id}: an operator
// revokes any principal's key. Others are told it does not exist.
func (a *server) revokeKey(w http.ResponseWriter, r *http.Request) {
	p := principal.From(r.Context())
	if !authz.Allowed(p.Kind, authz.RevokeAnyKey, nil) {
		apierr.Write(w, errNoKeyFound)
		return
	}
	a.revoke(w, r, p, r.PathValue("name"))
}

func (a *server) revoke(w http.ResponseWriter, r *http.Request, p *principal.Principal, holder string) {
	k, err := a.Keys.RevokeKey(r.Context(), holder, r.PathValue("id"))
	switch {
	case errors.Is(err, store.ErrNotFound):
		apierr.Write(w, errNoKeyFound)
		return
	case err != nil:
		a.Logger.ErrorContext(r.Context(), "revoke key", "err", err)
		apierr.Write(w, errDown)
		return
	}
	a.Logger.InfoContext(r.Context(), "key revoked", "principal", holder, "key", k.ID, "by", p.Name)
	apierr.JSON(w, http.StatusOK, viewKey(k, p.KeyID))
}
