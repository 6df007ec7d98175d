package web

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/catalog/registry"
	"github.com/credex/credex/ident"
)

// routeCatalog registers the catalogue pages under /catalog/, for
// maintainers and integrators; they need no sign-in, as the catalogue API
// does not.
func (s *server) routeCatalog(mux *http.ServeMux) {
	mux.HandleFunc("GET /catalog/{$}", s.catalogIndex)
	mux.HandleFunc("GET /catalog/{code}", s.catalogType)
	mux.HandleFunc("GET /catalog/{code}/diff", s.catalogDiff)
}

// catalogRow is a record type in the catalogue's list.
type catalogRow struct {
	Code, Name, Class, Disclosure string
	Version                       int
}

// catalogIndex serves GET /catalog/: every record type, as published.
func (s *server) catalogIndex(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	var rows []catalogRow
	for _, t := range s.Catalog.Types() {
		rows = append(rows, catalogRow{Code: t.Code, Name: typeName(lang, t), Class: string(t.Class),
			Disclosure: string(t.Disclosure), Version: t.Version})
	}
	slices.SortFunc(rows, func(a, b catalogRow) int { return strings.Compare(a.Code, b.Code) })
	s.render(w, r, http.StatusOK, "catalog.html", rows)
}

// typePage is the data of catalog_type.html.
type typePage struct {
	Type *catalog.RecordType
	Name string
	// Periods are the display periods, by the value of Type.Display.By,
	// in order.
	Periods []periodRow
	Fields  []schemaField
	// Example is the valid example payload, indented, its ID numbers
	// masked as the public reads every payload.
	Example  string
	Versions []catalogVersion
	// From and To preselect the versions of the diff form.
	From, To int
}

// periodRow is one display period of a type.
type periodRow struct {
	// Value is the value of the field that selects it; default when there
	// is one period.
	Value                string
	MinMonths, MaxMonths int
}

// catalogVersion is a published version of a type.
type catalogVersion struct {
	Version                              int
	PublishedAt, PublishedBy, ApprovedBy string
}

// schemaField is a field of a payload, as its JSON Schema describes it.
type schemaField struct {
	// Path is its dotted path; items of a list are named [].
	Path, Type, Description string
	Required                bool
	// Values lists the values allowed, Format its format, when given.
	Values []string
	Format string
}

// catalogType serves GET /catalog/{code}: a type's rules, its fields with
// their descriptions, its example and its versions.
func (s *server) catalogType(w http.ResponseWriter, r *http.Request) {
	t, ok := s.Catalog.Type(r.PathValue("code"))
	if !ok {
		s.fail(w, r, http.StatusNotFound, "catalog.no_type")
		return
	}
	data := typePage{Type: t, Name: typeName(langOf(r), t), Example: indent(ident.MaskPayload(t.Example)), To: t.Version, From: max(1, t.Version-1)}
	for _, value := range slices.Sorted(maps.Keys(t.Display.Periods)) {
		p := t.Display.Periods[value]
		data.Periods = append(data.Periods, periodRow{Value: value, MinMonths: p.MinMonths, MaxMonths: p.MaxMonths})
	}
	var err error
	if data.Fields, err = schemaFields(t.Schema); err != nil {
		s.Logger.Error("catalogue schema", "type", t.Code, "err", err)
		s.fail(w, r, http.StatusInternalServerError, "error.unavailable")
		return
	}
	data.Versions = catalogVersions(s.Catalog.Versions(t.Code))
	s.render(w, r, http.StatusOK, "catalog_type.html", data)
}

// catalogVersions are the versions of a type, newest first.
func catalogVersions(versions []registry.Version) []catalogVersion {
	rows := make([]catalogVersion, 0, len(versions))
	for i := len(versions) - 1; i >= 0; i-- {
		v := versions[i]
		rows = append(rows, catalogVersion{Version: v.Version, PublishedAt: timeOf(v.PublishedAt), PublishedBy: v.PublishedBy, ApprovedBy: v.ApprovedBy})
	}
	return rows
}

// schemaFields walks a JSON Schema's properties, depth first in the order
// of their names, into the fields of its payloads.
func schemaFields(schema json.RawMessage) ([]schemaField, error) {
	var root map[string]any
	if err := json.Unmarshal(schema, &root); err != nil {
		return nil, fmt.Errorf("read schema: %w", err)
	}
	var out []schemaField
	var walk func(prefix string, node map[string]any)
	walk = func(prefix string, node map[string]any) {
		props, _ := node["properties"].(map[string]any)
		required := map[string]bool{}
		if list, ok := node["required"].([]any); ok {
			for _, name := range list {
				if n, ok := name.(string); ok {
					required[n] = true
				}
			}
		}
		for _, name := range slices.Sorted(maps.Keys(props)) {
			child, _ := props[name].(map[string]any)
			path := strings.TrimPrefix(prefix+"."+name, ".")
			out = append(out, fieldOfSchema(path, child, required[name]))
			walk(path, child)
			if items, ok := child["items"].(map[string]any); ok {
				if _, isObject := items["properties"]; isObject {
					walk(path+"[]", items)
				}
			}
		}
	}
	walk("", root)
	return out, nil
}

// fieldOfSchema is the field at path that node describes.
func fieldOfSchema(path string, node map[string]any, required bool) schemaField {
	f := schemaField{Path: path, Required: required}
	f.Description, _ = node["description"].(string)
	f.Format, _ = node["format"].(string)
	switch t := node["type"].(type) {
	case string:
		f.Type = t
	case []any:
		var types []string
		for _, v := range t {
			types = append(types, fmt.Sprint(v))
		}
		f.Type = strings.Join(types, " | ")
	}
	values, _ := node["enum"].([]any)
	if items, ok := node["items"].(map[string]any); ok {
		if it, ok := items["type"].(string); ok {
			f.Type += " [" + it + "]"
		}
		if values == nil {
			values, _ = items["enum"].([]any)
		}
	}
	for _, v := range values {
		f.Values = append(f.Values, fmt.Sprint(v))
	}
	return f
}

// diffPage is the data of catalog_diff.html.
type diffPage struct {
	Type       *catalog.RecordType
	Name       string
	From, To   int
	Comparison *catalog.Comparison
	Versions   []catalogVersion
}

// catalogDiff serves GET /catalog/{code}/diff?from=N&to=M: what changed
// from one version of a type to another, and whether the later keeps to
// the earlier under its compatibility mode (catalog.Compare, as the API's
// diff).
func (s *server) catalogDiff(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	t, ok := s.Catalog.Type(code)
	if !ok {
		s.fail(w, r, http.StatusNotFound, "catalog.no_type")
		return
	}
	q := r.URL.Query()
	from, okFrom := s.typeVersion(code, q.Get("from"))
	to, okTo := s.typeVersion(code, q.Get("to"))
	if !okFrom || !okTo {
		s.fail(w, r, http.StatusBadRequest, "catalog.bad_version", t.Version)
		return
	}
	c, err := catalog.Compare(from, to)
	if err != nil {
		s.Logger.Error("catalogue diff", "type", code, "err", err)
		s.fail(w, r, http.StatusInternalServerError, "error.unavailable")
		return
	}
	s.render(w, r, http.StatusOK, "catalog_diff.html", diffPage{Type: t, Name: typeName(langOf(r), t), From: from.Version,
		To: to.Version, Comparison: c, Versions: catalogVersions(s.Catalog.Versions(code))})
}

// typeVersion is the version of a type that a parameter names.
func (s *server) typeVersion(code, param string) (*catalog.RecordType, bool) {
	n, err := strconv.Atoi(param)
	if err != nil || n < 1 {
		return nil, false
	}
	return s.Catalog.TypeVersion(code, n)
}
