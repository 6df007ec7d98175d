package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"gopkg.in/yaml.v3"

	"github.com/credex/credex/api"
	"github.com/credex/credex/catalog"
	"github.com/credex/credex/catalog/registry"
	"github.com/credex/credex/connectors/httpin"
	"github.com/credex/credex/pipeline"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/schemas"
	"github.com/credex/credex/store"
)

// The keys the fake store knows.
const (
	departmentKey = "test-department-key"
	agencyKey     = "test-agency-key"
	maintainerKey = "test-maintainer-key"
)

// taxDepartment publishes the record the fake store holds.
var taxDepartment = &principal.Principal{
	Kind: principal.Department, Name: "tax", Code: "124403053099881096",
	Types: []string{"administrative_penalty", "serious_dishonesty"},
}

// fakeStore is an api.Store holding one department, one agency and one record.
type fakeStore struct {
	principals map[string]*principal.Principal
	records    map[string]*store.Record
}

var _ api.Store = (*fakeStore)(nil)

func (s *fakeStore) PrincipalByKey(_ context.Context, key string) (*principal.Principal, error) {
	if p, ok := s.principals[key]; ok {
		return p, nil
	}
	return nil, store.ErrNotFound
}

func (s *fakeStore) Record(_ context.Context, id string) (*store.Record, error) {
	if r, ok := s.records[id]; ok {
		return r, nil
	}
	return nil, store.ErrNotFound
}

// fakeLedger gives every record its first version and publishes it.
type fakeLedger struct{}

func (fakeLedger) Admit(_ context.Context, recs []*pipeline.Record, publish func([]store.Outcome) error) ([]store.Outcome, error) {
	outcomes := make([]store.Outcome, len(recs))
	for _, r := range recs {
		r.Version = 1
	}
	return outcomes, publish(outcomes)
}

// fakePublisher acknowledges every message at once.
type fakePublisher struct{}

func (fakePublisher) Publish(context.Context, ...kafka.Message) error { return nil }

// bundle is what a test of the document needs.
type bundle struct {
	doc      map[string]any // the parsed document
	raw      string         // the document as written
	handler  http.Handler   // api.New with fakes behind it
	recordID string         // the id of the record the fake store holds
}

func setup(t *testing.T) *bundle {
	t.Helper()
	raw, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("parse openapi.yaml: %v", err)
	}
	cat, err := catalog.Load(schemas.FS)
	if err != nil {
		t.Fatal(err)
	}
	rt, _ := cat.Type("administrative_penalty")
	accepted := time.Date(2025, 6, 5, 9, 12, 31, 0, time.UTC)
	recordID := pipeline.RecordID(taxDepartment.Code, rt.Code, "PEN-2025-0042")
	st := &fakeStore{
		principals: map[string]*principal.Principal{
			departmentKey: taxDepartment,
			agencyKey:     {Kind: principal.Agency, Name: "bank-regulator"},
			maintainerKey: {Kind: principal.Maintainer, Name: "catalogue-maintainer"},
		},
		records: map[string]*store.Record{recordID: {
			ID: recordID, Type: rt.Code, Department: taxDepartment.Code, SourceID: "PEN-2025-0042",
			SubjectName: "王小明", SubjectMasked: "5001**********1934", Version: 2, State: "revoked",
			CatalogVersion: 1, Data: rt.Example, CreatedAt: accepted, UpdatedAt: accepted.Add(time.Hour),
			History: []store.RecordVersion{
				{Version: 1, Op: "upsert", ContentHash: strings.Repeat("a", 64), CatalogVersion: 1, Data: rt.Example,
					SubmissionID: "sub_one", AcceptedAt: accepted, StoredAt: accepted.Add(time.Second)},
				{Version: 2, Op: "revoke", ContentHash: strings.Repeat("b", 64), CatalogVersion: 1, Data: []byte("null"),
					SubmissionID: "sub_two", AcceptedAt: accepted.Add(time.Hour), StoredAt: accepted.Add(time.Hour + time.Second)},
			},
		}},
	}
	reg := prometheus.NewRegistry()
	log := slog.New(slog.DiscardHandler)
	ingest := httpin.New(httpin.Config{}, httpin.Deps{
		Catalog: cat, Ledger: fakeLedger{}, Publisher: fakePublisher{},
		SubjectKey: []byte("test-subject-key"), Logger: log, Registry: reg,
	})
	h := api.New(api.Deps{
		Store: st, Catalog: fileCatalog{cat}, Ingest: ingest,
		Ready:    func(context.Context) error { return nil },
		Gatherer: reg, Registry: reg, Logger: log,
	})
	return &bundle{doc: doc, raw: string(raw), handler: h, recordID: recordID}
}

// fileCatalog serves the catalogue files as the only published version of
// each type.
type fileCatalog struct{ *catalog.Catalog }

func (c fileCatalog) Versions(code string) []registry.Version {
	t, ok := c.Type(code)
	if !ok {
		return nil
	}
	return []registry.Version{{Version: t.Version, PublishedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), PublishedBy: "catalogue files"}}
}

func (c fileCatalog) Publish(_ context.Context, t *catalog.RecordType, _ string) (registry.Published, error) {
	if cur, ok := c.Type(t.Code); ok && cur.Version == t.Version {
		return registry.Published{Version: t.Version, Unchanged: true}, nil
	}
	return registry.Published{}, fmt.Errorf("%w: this test publishes nothing", registry.ErrVersionConflict)
}

// do sends a request to the handler and returns the recorded answer.
func (b *bundle) do(method, target, contentType, key string, body []byte) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if key != "" {
		r.Header.Set("Authorization", "Bearer "+key)
	}
	w := httptest.NewRecorder()
	b.handler.ServeHTTP(w, r)
	return w
}

// methods are the operation keys of an OpenAPI path item.
var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func TestOpenAPIIsVersion303(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if v, _ := b.doc["openapi"].(string); !strings.HasPrefix(v, "3.0.") {
		t.Errorf("openapi = %q, want 3.0.x", v)
	}
	info, _ := b.doc["info"].(map[string]any)
	if info["title"] == nil || info["version"] == nil {
		t.Errorf("info needs a title and a version, has %v", info)
	}
}

// TestOpenAPIIsServed checks GET /openapi.yaml answers this very file.
func TestOpenAPIIsServed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.do("GET", "/openapi.yaml", "", "", nil)
	if w.Code != http.StatusOK || w.Body.String() != b.raw {
		t.Errorf("GET /openapi.yaml = %d, and the body is not openapi.yaml", w.Code)
	}
}

// TestOpenAPIDocumentsEveryRoute reads the patterns api.New registers from
// its source and checks that each is an operation of the document.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	t.Parallel()
	b := setup(t)
	paths, _ := b.doc["paths"].(map[string]any)
	routes := registeredRoutes(t)
	if len(routes) == 0 {
		t.Fatal("found no routes registered in api.go")
	}
	for _, route := range routes {
		method, path, hasMethod := strings.Cut(route, " ")
		if !hasMethod {
			method, path = "", route
		}
		if path == "/" { // the catch-all answering not_found
			continue
		}
		path = strings.ReplaceAll(path, "...}", "}")
		item, ok := paths[path].(map[string]any)
		switch {
		case !ok:
			t.Errorf("route %q: path %s is not in the document", route, path)
		case method != "" && item[strings.ToLower(method)] == nil:
			t.Errorf("route %q: path %s has no %s operation in the document", route, path, method)
		}
	}
}

// registeredRoutes returns the pattern of every mux.Handle and
// mux.HandleFunc call in api.go.
func registeredRoutes(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "api.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var routes []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") {
			return true
		}
		if s, ok := stringLit(call.Args[0]); ok {
			routes = append(routes, s)
		}
		return true
	})
	return routes
}

// TestOpenAPIPathsAreServed walks the document and asks the handler for
// every operation without a key: public operations answer a documented
// status with a documented media type, the others 401 missing_credentials.
func TestOpenAPIPathsAreServed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	paths, _ := b.doc["paths"].(map[string]any)
	if len(paths) == 0 {
		t.Fatal("the document has no paths")
	}
	for path, v := range paths {
		item, _ := v.(map[string]any)
		for _, method := range methods {
			op, ok := item[method].(map[string]any)
			if !ok {
				continue
			}
			name := strings.ToUpper(method) + " " + path
			target := b.fillPath(path, op)
			w := b.do(strings.ToUpper(method), target, "", "", nil)
			responses, _ := op["responses"].(map[string]any)
			resp, documented := responses[strconv.Itoa(w.Code)].(map[string]any)
			if !documented {
				t.Errorf("%s (as %s): status %d is not documented", name, target, w.Code)
				continue
			}
			resp = b.resolve(t, resp)
			if !b.public(op) {
				if code := errorCode(w); w.Code != http.StatusUnauthorized || code != "missing_credentials" {
					t.Errorf("%s without a key = %d %q, want 401 missing_credentials", name, w.Code, code)
				}
			} else if w.Code == http.StatusNotFound {
				t.Errorf("%s (as %s) = 404, want it served", name, target)
			}
			mediaType, _, _ := mime.ParseMediaType(w.Header().Get("Content-Type"))
			content, _ := resp["content"].(map[string]any)
			if _, ok := content[mediaType]; !ok {
				t.Errorf("%s = %d with Content-Type %q, not one the document gives for it", name, w.Code, mediaType)
			}
		}
	}
}

// TestUndocumentedRequestsAreRefused checks the codes the document promises
// for paths it does not list (not_found) and for methods a listed path does
// not take (method_not_allowed, with Allow).
func TestUndocumentedRequestsAreRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, req := range []struct{ method, target string }{
		{"GET", "/v1/nothing-here"},
		{"GET", "/v2/catalog"},
	} {
		if w := b.do(req.method, req.target, "", "", nil); w.Code != http.StatusNotFound || errorCode(w) != "not_found" {
			t.Errorf("%s %s = %d %q, want 404 not_found", req.method, req.target, w.Code, errorCode(w))
		}
	}
	for _, req := range []struct{ method, target, allow string }{
		{"DELETE", "/v1/catalog", "GET"},
		{"GET", "/v1/submissions", "POST"},
	} {
		w := b.do(req.method, req.target, "", "", nil)
		if w.Code != http.StatusMethodNotAllowed || errorCode(w) != "method_not_allowed" || w.Header().Get("Allow") != req.allow {
			t.Errorf("%s %s = %d %q Allow %q, want 405 method_not_allowed Allow %q",
				req.method, req.target, w.Code, errorCode(w), w.Header().Get("Allow"), req.allow)
		}
	}
}

// fillPath puts each path parameter's example into path, and each required
// query parameter's example into its query.
func (b *bundle) fillPath(path string, op map[string]any) string {
	params, _ := op["parameters"].([]any)
	query := url.Values{}
	for _, p := range params {
		param, _ := p.(map[string]any)
		if ref, ok := param["$ref"].(string); ok {
			param, _ = b.lookup(ref).(map[string]any)
		}
		switch {
		case param["in"] == "path":
			path = strings.ReplaceAll(path, "{"+fmt.Sprint(param["name"])+"}", fmt.Sprint(param["example"]))
		case param["in"] == "query" && param["required"] == true:
			query.Set(fmt.Sprint(param["name"]), fmt.Sprint(param["example"]))
		}
	}
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	return path
}

// public reports whether op needs no key.
func (b *bundle) public(op map[string]any) bool {
	security, ok := op["security"].([]any)
	if !ok {
		security, _ = b.doc["security"].([]any)
	}
	return len(security) == 0
}

func errorCode(w *httptest.ResponseRecorder) string {
	var body struct{ Code string }
	json.Unmarshal(w.Body.Bytes(), &body)
	return body.Code
}

func TestOpenAPIRefsResolve(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var refs int
	walk(b.doc, func(node map[string]any) {
		ref, ok := node["$ref"].(string)
		if !ok {
			return
		}
		refs++
		if !strings.HasPrefix(ref, "#/") || b.lookup(ref) == nil {
			t.Errorf("$ref %q does not resolve within the document", ref)
		}
	})
	if refs == 0 {
		t.Error("the document has no $ref; its components are not reused")
	}
}

// walk calls f on every object of v, depth first.
func walk(v any, f func(map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		f(v)
		for _, c := range v {
			walk(c, f)
		}
	case []any:
		for _, c := range v {
			walk(c, f)
		}
	}
}

// lookup returns what a local $ref points at, or nil.
func (b *bundle) lookup(ref string) any {
	var v any = b.doc
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
		if v, ok = m[part]; !ok {
			return nil
		}
	}
	return v
}

// resolve follows node's $ref, if it has one.
func (b *bundle) resolve(t *testing.T, node map[string]any) map[string]any {
	t.Helper()
	for {
		ref, ok := node["$ref"].(string)
		if !ok {
			return node
		}
		if node, ok = b.lookup(ref).(map[string]any); !ok {
			t.Fatalf("$ref %q does not resolve to an object", ref)
		}
	}
}

// TestOpenAPIDocumentsEveryErrorCode checks that every error code the code
// can answer is written in the document as `code`: the codes of apierr.New
// calls and apierr.Error, catalog.FieldError and httpin.Response literals
// anywhere in the module, the catalogue's Code constants, and the list of
// codes departments were promised.
func TestOpenAPIDocumentsEveryErrorCode(t *testing.T) {
	t.Parallel()
	b := setup(t)
	promised := []string{
		// whole-request
		"malformed_json", "invalid_body", "unknown_field", "missing_field", "wrong_type", "empty_batch",
		"too_many_records", "body_too_large", "unreadable_body", "unsupported_media_type",
		"missing_credentials", "invalid_credentials", "not_a_department", "unavailable",
		"record_not_found", "unknown_type", "not_found", "rejected",
		// per record
		"unknown_type", "type_not_assigned", "unknown_catalog_version", "invalid_op", "unknown_record",
		"invalid_string",
	}
	found := errorCodesInSource(t)
	for _, want := range []string{"missing_credentials", "empty_batch", "type_not_assigned", "invalid_id_number", "rejected"} {
		if !slices.Contains(found, want) {
			t.Fatalf("the source scan missed %q; it no longer sees the code's error codes", want)
		}
	}
	for _, code := range slices.Compact(slices.Sorted(slices.Values(append(found, promised...)))) {
		if !strings.Contains(b.raw, "`"+code+"`") {
			t.Errorf("error code %q is not documented (as `%s`) in openapi.yaml", code, code)
		}
	}
}

var codePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// errorCodesInSource scans the module's non-test Go files for error codes.
func errorCodesInSource(t *testing.T) []string {
	t.Helper()
	var codes []string
	add := func(e ast.Expr) {
		if s, ok := stringLit(e); ok && codePattern.MatchString(s) {
			codes = append(codes, s)
		}
	}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != ".." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr: // apierr.New(status, "code", message)
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "New" && len(n.Args) == 3 {
					if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "apierr" {
						add(n.Args[1])
					}
				}
			case *ast.CompositeLit: // FieldError{Code: "code"}, apierr.Error{Code: "code"}
				if !isType(n.Type, "FieldError", "Error", "Response") {
					return true
				}
				for _, elt := range n.Elts {
					if kv, ok := elt.(*ast.KeyValueExpr); ok {
						if key, ok := kv.Key.(*ast.Ident); ok && key.Name == "Code" {
							add(kv.Value)
						}
					}
				}
			case *ast.AssignStmt: // resp.Code, resp.Message = "rejected", "..."
				for i, lhs := range n.Lhs {
					if sel, ok := lhs.(*ast.SelectorExpr); ok && sel.Sel.Name == "Code" && i < len(n.Rhs) {
						add(n.Rhs[i])
					}
				}
			case *ast.ValueSpec: // const CodeMissingField = "missing_field"
				for i, name := range n.Names {
					if strings.HasPrefix(name.Name, "Code") && i < len(n.Values) {
						add(n.Values[i])
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return codes
}

// isType reports whether a composite literal's type is one of names,
// qualified or not.
func isType(e ast.Expr, names ...string) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return slices.Contains(names, e.Name)
	case *ast.SelectorExpr:
		return slices.Contains(names, e.Sel.Name)
	}
	return false
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// TestOpenAPIExamplesMatchSchemas checks every JSON example of a request or
// response against the schema beside it.
func TestOpenAPIExamplesMatchSchemas(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var checked int
	walk(b.doc, func(node map[string]any) {
		content, ok := node["content"].(map[string]any)
		if !ok {
			return
		}
		media, ok := content["application/json"].(map[string]any)
		if !ok {
			return
		}
		schema, _ := media["schema"].(map[string]any)
		if ex, ok := media["example"]; ok {
			checked++
			b.conform(t, "example", schema, ex)
		}
		examples, _ := media["examples"].(map[string]any)
		for name, e := range examples {
			checked++
			b.conform(t, "example "+name, schema, b.resolve(t, e.(map[string]any))["value"])
		}
	})
	if checked == 0 {
		t.Error("the document has no JSON examples")
	}
}

// TestOpenAPIDescribesServedJSON asks the handler for what the document
// describes, with the document's own request examples, and checks every
// answer against the documented schema.
func TestOpenAPIDescribesServedJSON(t *testing.T) {
	t.Parallel()
	b := setup(t)
	schemaOf := func(path, method, status string) map[string]any {
		t.Helper()
		resp, _ := b.lookup("#/paths/" + strings.ReplaceAll(path, "/", "~1") + "/" + method + "/responses/" + status).(map[string]any)
		if resp == nil {
			t.Fatalf("%s %s has no %s response", method, path, status)
		}
		content, _ := b.resolve(t, resp)["content"].(map[string]any)
		media, _ := content["application/json"].(map[string]any)
		return media["schema"].(map[string]any)
	}
	check := func(name string, w *httptest.ResponseRecorder, wantStatus int, schema map[string]any) map[string]any {
		t.Helper()
		if w.Code != wantStatus {
			t.Fatalf("%s = %d, want %d: %s", name, w.Code, wantStatus, w.Body)
		}
		var v map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b.conform(t, name, schema, v)
		return v
	}

	w := b.do("GET", "/v1/records/"+b.recordID, "", departmentKey, nil)
	check("GET /v1/records/{id}", w, 200, schemaOf("/v1/records/{id}", "get", "200"))
	w = b.do("GET", "/v1/records/"+b.recordID, "", agencyKey, nil)
	check("GET /v1/records/{id} by an agency", w, 404, schemaOf("/v1/records/{id}", "get", "404"))
	w = b.do("GET", "/v1/records/"+b.recordID, "", "not-a-key", nil)
	if v := check("GET /v1/records/{id} with a bad key", w, 401, schemaOf("/v1/records/{id}", "get", "401")); v["code"] != "invalid_credentials" {
		t.Errorf("bad key: code %v, want invalid_credentials", v["code"])
	}

	check("GET /v1/catalog", b.do("GET", "/v1/catalog", "", "", nil), 200, schemaOf("/v1/catalog", "get", "200"))
	for _, code := range []string{"administrative_licence", "administrative_penalty", "serious_dishonesty"} {
		w := b.do("GET", "/v1/catalog/types/"+code, "", "", nil)
		check("GET /v1/catalog/types/"+code, w, 200, schemaOf("/v1/catalog/types/{code}", "get", "200"))
	}
	check("GET /v1/catalog/types/{unknown}", b.do("GET", "/v1/catalog/types/no_such_type", "", "", nil), 404,
		schemaOf("/v1/catalog/types/{code}", "get", "404"))

	// The versions of a record type, one of them, comparisons and publications.
	const penalty = "/v1/catalog/types/administrative_penalty"
	check("GET "+penalty+"/versions", b.do("GET", penalty+"/versions", "", "", nil), 200,
		schemaOf("/v1/catalog/types/{code}/versions", "get", "200"))
	w = b.do("GET", penalty+"/versions/1", "", "", nil)
	check("GET "+penalty+"/versions/1", w, 200, schemaOf("/v1/catalog/types/{code}/versions/{version}", "get", "200"))
	version1 := w.Body.Bytes()
	check("GET "+penalty+"/versions/9", b.do("GET", penalty+"/versions/9", "", "", nil), 404,
		schemaOf("/v1/catalog/types/{code}/versions/{version}", "get", "404"))
	check("GET "+penalty+"/diff", b.do("GET", penalty+"/diff?from=1&to=1", "", "", nil), 200,
		schemaOf("/v1/catalog/types/{code}/diff", "get", "200"))
	if v := check("GET "+penalty+"/diff without to", b.do("GET", penalty+"/diff?from=1", "", "", nil), 404,
		schemaOf("/v1/catalog/types/{code}/diff", "get", "404")); v["code"] != "unknown_catalog_version" || v["pointer"] != "/to" {
		t.Errorf("diff without to: code %v pointer %v, want unknown_catalog_version /to", v["code"], v["pointer"])
	}
	publish := "#/paths/~1v1~1catalog~1types~1{code}~1versions/post/requestBody/content/application~1json/examples"
	docs, _ := b.lookup(publish).(map[string]any)
	if len(docs) == 0 {
		t.Fatal("POST /v1/catalog/types/{code}/versions has no request example")
	}
	for name, e := range docs {
		doc, _ := json.Marshal(b.resolve(t, e.(map[string]any))["value"])
		// The fake catalogue publishes nothing new: a valid new version conflicts.
		w := b.do("POST", penalty+"/versions", "application/json", maintainerKey, doc)
		if v := check("POST "+penalty+"/versions example "+name, w, 409,
			schemaOf("/v1/catalog/types/{code}/versions", "post", "409")); v["code"] != "version_conflict" {
			t.Errorf("example %s: code %v, want version_conflict: %s", name, v["code"], w.Body)
		}
	}
	w = b.do("POST", penalty+"/versions", "application/json", maintainerKey, version1)
	if v := check("POST "+penalty+"/versions with version 1 again", w, 200,
		schemaOf("/v1/catalog/types/{code}/versions", "post", "200")); v["unchanged"] != true {
		t.Errorf("version 1 again: unchanged %v, want true", v["unchanged"])
	}
	for _, req := range []struct {
		status    int
		key, path string
		body      []byte
		code      string
	}{
		{400, maintainerKey, penalty + "/versions", b.do("GET", penalty, "", "", nil).Body.Bytes(), "invalid_record_type"},
		{400, maintainerKey, "/v1/catalog/types/administrative_licence/versions", version1, "code_mismatch"},
		{403, departmentKey, penalty + "/versions", version1, "not_a_maintainer"},
		{413, maintainerKey, penalty + "/versions", bytes.Repeat([]byte(" "), 1<<20+1), "body_too_large"},
	} {
		name := fmt.Sprintf("POST %s answering %s", req.path, req.code)
		w := b.do("POST", req.path, "application/json", req.key, req.body)
		if v := check(name, w, req.status, schemaOf("/v1/catalog/types/{code}/versions", "post", strconv.Itoa(req.status))); v["code"] != req.code {
			t.Errorf("%s: code %v", name, v["code"])
		}
	}

	check("GET /healthz", b.do("GET", "/healthz", "", "", nil), 200, schemaOf("/healthz", "get", "200"))
	check("GET /readyz", b.do("GET", "/readyz", "", "", nil), 200, schemaOf("/readyz", "get", "200"))

	// Every request example of the document is accepted as a whole.
	body := "#/paths/~1v1~1submissions/post/requestBody/content/"
	examples, _ := b.lookup(body + "application~1json/examples").(map[string]any)
	for name, e := range examples {
		payload, _ := json.Marshal(b.resolve(t, e.(map[string]any))["value"])
		w := b.do("POST", "/v1/submissions", "application/json", departmentKey, payload)
		v := check("POST /v1/submissions example "+name, w, 200, schemaOf("/v1/submissions", "post", "200"))
		if v["rejected"] != 0.0 {
			t.Errorf("example %s: %v records rejected: %s", name, v["rejected"], w.Body)
		}
	}
	ndjson, _ := b.lookup(body + "application~1x-ndjson/example").(string)
	w = b.do("POST", "/v1/submissions", "application/x-ndjson", departmentKey, []byte(ndjson))
	if v := check("POST /v1/submissions NDJSON example", w, 200, schemaOf("/v1/submissions", "post", "200")); v["rejected"] != 0.0 {
		t.Errorf("NDJSON example: %v records rejected: %s", v["rejected"], w.Body)
	}

	// A batch with a bad record, and one with nothing good.
	bad := `{"type":"administrative_penalty","source_id":"PEN-1","data":{"severity":"grave"},"extra":1}`
	good := `{"type":"administrative_penalty","source_id":"PEN-2025-0042","data":` + string(b.example(t)) + `}`
	w = b.do("POST", "/v1/submissions", "application/x-ndjson", departmentKey, []byte(good+"\n"+bad+"\n{not json\n"))
	check("POST /v1/submissions with rejections", w, 200, schemaOf("/v1/submissions", "post", "200"))
	w = b.do("POST", "/v1/submissions", "application/json", departmentKey, []byte(`{"records":[`+bad+`]}`))
	if v := check("POST /v1/submissions all rejected", w, 422, schemaOf("/v1/submissions", "post", "422")); v["code"] != "rejected" {
		t.Errorf("all rejected: code %v, want rejected", v["code"])
	}
	for _, req := range []struct {
		status      int
		contentType string
		key, body   string
		code        string
	}{
		{400, "application/json", departmentKey, `{"records":[]}`, "empty_batch"},
		{400, "application/json", departmentKey, `{"records":{}}`, "wrong_type"},
		{400, "application/json", departmentKey, `[]`, "invalid_body"},
		{400, "application/json", departmentKey, `{"records":[],"x":1}`, "unknown_field"},
		{400, "application/json", departmentKey, `{}`, "missing_field"},
		{400, "", departmentKey, `{"records":`, "malformed_json"},
		{403, "application/json", agencyKey, `{"records":[]}`, "not_a_department"},
		{413, "application/x-ndjson", departmentKey, strings.Repeat("{}\n", 501), "too_many_records"},
		{413, "application/x-ndjson", departmentKey, strings.Repeat(" ", 4<<20+1), "body_too_large"},
		{415, "text/csv", departmentKey, "type,source_id\n", "unsupported_media_type"},
	} {
		name := fmt.Sprintf("POST /v1/submissions answering %s", req.code)
		w := b.do("POST", "/v1/submissions", req.contentType, req.key, []byte(req.body))
		if v := check(name, w, req.status, schemaOf("/v1/submissions", "post", strconv.Itoa(req.status))); v["code"] != req.code {
			t.Errorf("%s: code %v", name, v["code"])
		}
	}
}

// example is the administrative penalty example of the catalogue.
func (b *bundle) example(t *testing.T) []byte {
	t.Helper()
	w := b.do("GET", "/v1/catalog/types/administrative_penalty", "", "", nil)
	var rt struct{ Example json.RawMessage }
	if err := json.Unmarshal(w.Body.Bytes(), &rt); err != nil {
		t.Fatal(err)
	}
	return rt.Example
}

// conform checks v against an OpenAPI schema: types, enums, required
// properties, and no properties beyond those listed unless the schema
// allows additional ones. It knows the subset of OpenAPI the document uses.
func (b *bundle) conform(t *testing.T, at string, schema map[string]any, v any) {
	t.Helper()
	schema = b.resolve(t, schema)
	if v == nil {
		if schema["nullable"] != true {
			t.Errorf("%s: null, and the schema is not nullable", at)
		}
		return
	}
	if enum, ok := schema["enum"].([]any); ok && !slices.Contains(enum, v) {
		t.Errorf("%s: %v is not one of %v", at, v, enum)
	}
	typ, _ := schema["type"].(string)
	switch v := v.(type) {
	case map[string]any:
		if typ != "" && typ != "object" {
			t.Errorf("%s: an object, the schema says %s", at, typ)
			return
		}
		props, _ := schema["properties"].(map[string]any)
		for _, r := range asSlice(schema["required"]) {
			if _, ok := v[fmt.Sprint(r)]; !ok {
				t.Errorf("%s: required property %v is missing", at, r)
			}
		}
		extra, _ := schema["additionalProperties"].(map[string]any)
		for k, val := range v {
			switch p, ok := props[k].(map[string]any); {
			case ok:
				b.conform(t, at+"/"+k, p, val)
			case extra != nil:
				b.conform(t, at+"/"+k, extra, val)
			case schema["additionalProperties"] != true:
				t.Errorf("%s: property %q is not in the schema", at, k)
			}
		}
	case []any:
		if typ != "array" {
			t.Errorf("%s: an array, the schema says %s", at, typ)
			return
		}
		items, _ := schema["items"].(map[string]any)
		for i, item := range v {
			b.conform(t, fmt.Sprintf("%s/%d", at, i), items, item)
		}
	case string:
		if typ != "string" {
			t.Errorf("%s: a string, the schema says %s", at, typ)
		}
	case bool:
		if typ != "boolean" {
			t.Errorf("%s: a boolean, the schema says %s", at, typ)
		}
	case float64, int:
		f, _ := v.(float64)
		if i, ok := v.(int); ok {
			f = float64(i)
		}
		if typ != "number" && (typ != "integer" || f != math.Trunc(f)) {
			t.Errorf("%s: the number %v, the schema says %s", at, v, typ)
		}
	default:
		t.Errorf("%s: unexpected %T", at, v)
	}
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}
