package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/credex/credex/authz"
	"github.com/credex/credex/catalog"
	"github.com/credex/credex/catalog/compat"
	"github.com/credex/credex/catalog/registry"
	"github.com/credex/credex/internal/apierr"
	"github.com/credex/credex/principal"
)

var (
	errNoType        = apierr.New(http.StatusNotFound, "unknown_type", "no record type with this code in the catalogue")
	errNoVersion     = apierr.New(http.StatusNotFound, "unknown_catalog_version", "the record type has no such version")
	errNotMaintainer = apierr.New(http.StatusForbidden, "not_a_maintainer", "only catalogue maintainers publish record types")
)

// typeView is a record type as the catalogue API shows it: its rules,
// schema and example, and its published versions.
type typeView struct {
	*catalog.RecordType
	Versions []registry.Version `json:"versions"`
}

func (a *server) catalogList(w http.ResponseWriter, r *http.Request) {
	types := a.Catalog.Types()
	views := make([]typeView, len(types))
	for i, t := range types {
		views[i] = typeView{t, a.Catalog.Versions(t.Code)}
	}
	apierr.JSON(w, http.StatusOK, map[string]any{"types": views})
}

func (a *server) catalogType(w http.ResponseWriter, r *http.Request) {
	t, ok := a.Catalog.Type(r.PathValue("code"))
	if !ok {
		apierr.Write(w, errNoType)
		return
	}
	apierr.JSON(w, http.StatusOK, typeView{t, a.Catalog.Versions(t.Code)})
}

func (a *server) catalogVersions(w http.ResponseWriter, r *http.Request) {
	t, ok := a.Catalog.Type(r.PathValue("code"))
	if !ok {
		apierr.Write(w, errNoType)
		return
	}
	apierr.JSON(w, http.StatusOK, map[string]any{"type": t.Code, "versions": a.Catalog.Versions(t.Code)})
}

func (a *server) catalogVersion(w http.ResponseWriter, r *http.Request) {
	t, e := a.typeVersion(r.PathValue("code"), r.PathValue("version"))
	if e != nil {
		apierr.Write(w, e)
		return
	}
	apierr.JSON(w, http.StatusOK, t)
}

// typeVersion finds one version of a type named by request strings.
func (a *server) typeVersion(code, version string) (*catalog.RecordType, *apierr.Error) {
	if _, ok := a.Catalog.Type(code); !ok {
		return nil, errNoType
	}
	v, err := strconv.Atoi(version)
	if err != nil {
		return nil, errNoVersion
	}
	t, ok := a.Catalog.TypeVersion(code, v)
	if !ok {
		return nil, errNoVersion
	}
	return t, nil
}

// diffView answers GET /v1/catalog/types/{code}/diff?from=N&to=M.
type diffView struct {
	Type       string          `json:"type"`
	From       int             `json:"from"`
	To         int             `json:"to"`
	Mode       string          `json:"mode"`
	Compatible bool            `json:"compatible"`
	Changes    []compat.Change `json:"changes"`
}

func (a *server) catalogDiff(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	if _, ok := a.Catalog.Type(code); !ok {
		apierr.Write(w, errNoType)
		return
	}
	from, e := a.typeVersion(code, r.URL.Query().Get("from"))
	if e != nil {
		apierr.Write(w, e.At("/from"))
		return
	}
	to, e := a.typeVersion(code, r.URL.Query().Get("to"))
	if e != nil {
		apierr.Write(w, e.At("/to"))
		return
	}
	mode, err := compat.ParseMode(string(to.Compatibility))
	if err == nil {
		var breaking []compat.Change
		if breaking, err = compat.Check(mode, []json.RawMessage{from.Schema}, to.Schema); err == nil {
			var changes []compat.Change
			if changes, err = compat.Diff(from.Schema, to.Schema); err == nil {
				apierr.JSON(w, http.StatusOK, diffView{Type: code, From: from.Version, To: to.Version,
					Mode: string(mode), Compatible: len(breaking) == 0, Changes: nonNil(changes)})
				return
			}
		}
	}
	a.Logger.Error("catalogue diff", "type", code, "err", err)
	apierr.Write(w, apierr.New(http.StatusInternalServerError, "internal", "the versions could not be compared"))
}

// maxTypeBytes bounds a published record type document.
const maxTypeBytes = 1 << 20

// catalogPublish serves POST /v1/catalog/types/{code}/versions: a
// maintainer publishes a record type document as its next version.
func (a *server) catalogPublish(w http.ResponseWriter, r *http.Request) {
	p := principal.From(r.Context())
	if !authz.Allowed(p.Kind, authz.PublishCatalog, nil) {
		apierr.Write(w, errNotMaintainer)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxTypeBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		apierr.Write(w, apierr.New(http.StatusRequestEntityTooLarge, "body_too_large",
			fmt.Sprintf("a record type document is at most %d bytes", maxTypeBytes)))
		return
	case err != nil:
		apierr.Write(w, apierr.New(http.StatusBadRequest, "unreadable_body", "the body could not be read: "+err.Error()))
		return
	}
	t, err := catalog.ParseType(body)
	if err != nil {
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_record_type", err.Error()))
		return
	}
	if t.Code != r.PathValue("code") {
		apierr.Write(w, apierr.New(http.StatusBadRequest, "code_mismatch",
			fmt.Sprintf("the document is record type %q, the path names %q", t.Code, r.PathValue("code"))).At("/code"))
		return
	}
	res, err := a.Catalog.Publish(r.Context(), t, p.Name)
	var incompatible *registry.IncompatibleError
	switch {
	case errors.As(err, &incompatible):
		apierr.JSON(w, http.StatusConflict, map[string]any{
			"code": "incompatible", "message": fmt.Sprintf("version %d of %s breaks %s compatibility with earlier versions; see changes",
				t.Version, t.Code, incompatible.Mode),
			"changes": incompatible.Changes,
		})
		return
	case errors.Is(err, registry.ErrVersionConflict):
		apierr.Write(w, apierr.New(http.StatusConflict, "version_conflict", err.Error()).At("/version"))
		return
	case err != nil:
		a.Logger.Error("publish catalogue version", "type", t.Code, "err", err)
		apierr.Write(w, errDown)
		return
	}
	status := http.StatusCreated
	if res.Unchanged {
		status = http.StatusOK
	}
	a.Logger.Info("catalogue version published", "type", t.Code, "version", res.Version, "by", p.Name, "unchanged", res.Unchanged)
	apierr.JSON(w, status, map[string]any{"type": t.Code, "version": res.Version, "unchanged": res.Unchanged,
		"changes": nonNil(res.Changes)})
}

// nonNil makes an empty list of changes encode as [] rather than null.
func nonNil(changes []compat.Change) []compat.Change {
	if changes == nil {
		return []compat.Change{}
	}
	return changes
}
