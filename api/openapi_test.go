package api_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
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
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"gopkg.in/yaml.v3"

	"github.com/credex/credex/api"
	"github.com/credex/credex/audit"
	"github.com/credex/credex/casework"
	"github.com/credex/credex/catalog"
	"github.com/credex/credex/catalog/registry"
	"github.com/credex/credex/connectors/httpin"
	"github.com/credex/credex/connectors/intake"
	"github.com/credex/credex/connectors/webhook"
	"github.com/credex/credex/idtoken"
	"github.com/credex/credex/internal/devoidc"
	"github.com/credex/credex/internal/testkit/oidctest"
	"github.com/credex/credex/pipeline"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/record"
	"github.com/credex/credex/schemas"
	"github.com/credex/credex/store"
)

// The keys the fake store knows.
const (
	departmentKey = "test-department-key"
	agencyKey     = "test-agency-key" // a government agency
	bankKey       = "test-bank-key"   // an agency of financial institutions
	maintainerKey = "test-maintainer-key"
	operatorKey   = "test-operator-key"
)

// taxDepartment publishes the record the fake store holds.
var taxDepartment = &principal.Principal{
	Kind: principal.Department, Name: "tax", Code: "124403053099881096",
	Types: []string{"administrative_penalty", "serious_dishonesty"},
}

// fakeStore is an api.Store holding a department, two agencies, a maintainer,
// an operator and one record.
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

func (s *fakeStore) PrincipalByCert(context.Context, string) (*principal.Principal, error) {
	return nil, store.ErrNotFound
}

func (s *fakeStore) Record(_ context.Context, id string) (*store.Record, error) {
	if r, ok := s.records[id]; ok {
		return r, nil
	}
	return nil, store.ErrNotFound
}

// fakeKeys is an api.Keys that keeps the keys it issues.
type fakeKeys struct {
	mu   sync.Mutex
	keys []store.Key
}

func (f *fakeKeys) IssueKey(_ context.Context, k store.NewKey) (store.Key, *store.Key, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	issued := store.Key{ID: k.ID, Principal: k.Principal, Label: k.Label, CreatedAt: time.Now()}
	f.keys = append(f.keys, issued)
	return issued, nil, nil
}

func (f *fakeKeys) Keys(_ context.Context, principal string) ([]store.Key, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var keys []store.Key
	for _, k := range f.keys {
		if k.Principal == principal {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

func (f *fakeKeys) RevokeKey(_ context.Context, principal, id string) (store.Key, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, k := range f.keys {
		if k.Principal == principal && k.ID == id {
			now := time.Now()
			f.keys[i].RevokedAt = &now
			return f.keys[i], nil
		}
	}
	return store.Key{}, store.ErrNotFound
}

// fakeLedger gives every record its first version.
type fakeLedger struct{}

func (fakeLedger) AdmitSubmission(_ context.Context, recs []*record.Record, summarise func([]store.Outcome) *store.Submission) (*store.Admission, error) {
	for _, r := range recs {
		r.Version = 1
	}
	outcomes := make([]store.Outcome, len(recs))
	summarise(outcomes)
	return &store.Admission{Outcomes: outcomes}, nil
}

// fakeRelay has Kafka acknowledge everything at once.
type fakeRelay struct{}

func (fakeRelay) Ready(context.Context) error          { return nil }
func (fakeRelay) Await(context.Context, []int64) error { return nil }

// fakePublisher acknowledges every message at once.
type fakePublisher struct{}

func (fakePublisher) Publish(context.Context, ...kafka.Message) error { return nil }

// bundle is what a test of the document needs.
type bundle struct {
	doc      map[string]any  // the parsed document
	raw      string          // the document as written
	handler  http.Handler    // api.New with fakes behind it
	audit    *memAudit       // the audit log behind it
	recordID string          // the id of the record the fake store holds
	issuer   *devoidc.Issuer // the identity provider the handler trusts
}

// token is an ID token for the person with this name and ID number.
func (b *bundle) token(t *testing.T, name, idNumber string) string {
	t.Helper()
	tok, err := b.issuer.Token(name, idNumber)
	if err != nil {
		t.Fatal(err)
	}
	return tok
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
	recordID := record.ID([]byte("test-record-id-key"), taxDepartment.Code, rt.Code, "PEN-2025-0042")
	st := &fakeStore{
		principals: map[string]*principal.Principal{
			departmentKey: taxDepartment,
			agencyKey:     {Kind: principal.Agency, Name: "bank-regulator", Scope: "government"},
			bankKey:       {Kind: principal.Agency, Name: "commercial-bank", Scope: "financial_institution"},
			maintainerKey: {Kind: principal.Maintainer, Name: "catalogue-maintainer"},
			operatorKey:   {Kind: principal.Operator, Name: "operator"},
		},
		records: map[string]*store.Record{recordID: {
			ID: recordID, Type: rt.Code, Department: taxDepartment.Code, SourceID: "PEN-2025-0042",
			SubjectName: "王小明", SubjectMasked: "5001**********1934", Version: 2, State: "revoked", Display: "displayed",
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
	audited := &memAudit{names: map[string]string{record.SubjectKey([]byte(testSubjectKey), exampleIDNumber): exampleName}}
	recorder := &audit.Recorder{Log: audited}
	ingest := httpin.New(httpin.Config{}, intake.New(intake.Config{}, intake.Deps{
		Catalog: cat, Ledger: fakeLedger{}, Relay: fakeRelay{}, Publisher: fakePublisher{},
		SubjectKey: []byte("test-subject-key"), RecordIDKey: []byte("test-record-id-key"), Audit: recorder, Logger: log, Registry: reg,
	}), log, reg)
	now := func() time.Time { return accepted.Add(24 * time.Hour) }
	cases := newFakeCases(st, recordID, taxDepartment.Code, accepted)
	iss := oidctest.Issuer(t)
	people, err := idtoken.NewVerifier(iss.Config(), nil)
	if err != nil {
		t.Fatal(err)
	}
	h := api.New(api.Deps{
		Store: st, Catalog: newFileCatalog(cat, audited), Ingest: ingest, Audit: recorder, AccessLog: audited, Subjects: audited,
		Subscriptions: newFakeSubscriptions(recordID, rt.Example, accepted),
		Public:        newFakePublic(recordID, rt.Example, accepted),
		Cases: casework.New(casework.Config{Store: cases, Catalog: newFileCatalog(cat, audited), Audit: recorder,
			SubjectKey: []byte(testSubjectKey), Now: now, Registry: reg, Logger: log}),
		Lists:  cases,
		People: people,
		Keys:   &fakeKeys{},
		// Tests call from one address, faster than a client should.
		PublicLimit: api.Limit{Rate: -1},
		Now:         now,
		SubjectKey:  []byte(testSubjectKey),
		// Loopback stands in for the agencies' public endpoints, which a test
		// cannot resolve.
		Guard:         webhook.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}},
		DeliveryTopic: pipeline.Topics{}.Delivery,
		CreateTopic:   func(context.Context, string) error { return nil },
		Ready:         func(context.Context) error { return nil },
		Gatherer:      reg, Registry: reg, Logger: log,
	})
	return &bundle{doc: doc, raw: string(raw), handler: h, audit: audited, recordID: recordID, issuer: iss}
}

// The subscriptions the fake holds: bank-regulator's webhook subscription
// (ID numbers in full, one event delivered and one dead), commercial-bank's
// pull subscription (ID numbers masked) and its subscription to an
// authorised-inquiry type, waiting for approval.
const (
	webhookSubscription = "sbn_webhookwebhookwebhookweb"
	pullSubscription    = "sbn_pullpullpullpullpullpullp"
	pendingSubscription = "sbn_pendingpendingpendingpen"
)

// fakeSubscriptions is an api.Subscriptions in memory.
type fakeSubscriptions struct {
	mu     sync.Mutex
	subs   []*store.Subscription
	events []owed // in the order of their Seq
}

// owed is an event owed to a subscription.
type owed struct {
	sub string
	store.Event
}

var _ api.Subscriptions = (*fakeSubscriptions)(nil)

func newFakeSubscriptions(recordID string, data []byte, at time.Time) *fakeSubscriptions {
	secret, err := webhook.NewSecret()
	if err != nil {
		panic(err)
	}
	created := store.Event{ID: record.EventID(recordID, 1), Type: record.EventCreated, RecordID: recordID, Version: 1,
		RecordType: "administrative_penalty", Department: taxDepartment.Code, Sequence: 1, CatalogVersion: 1,
		Data: data, CreatedAt: at}
	revoked := created
	revoked.ID, revoked.Type, revoked.Version, revoked.Sequence = record.EventID(recordID, 2), record.EventRevoked, 2, 2
	revoked.Data, revoked.CreatedAt = []byte(`{"reason":"decision withdrawn on review"}`), at.Add(time.Hour)
	f := &fakeSubscriptions{subs: []*store.Subscription{
		{ID: webhookSubscription, Agency: "bank-regulator", Types: []string{"administrative_penalty"}, Departments: []string{},
			Mode: "webhook", URL: "https://hooks.agency.example/credex", Secrets: []string{secret},
			FullIDTypes: []string{"administrative_penalty"}, Status: "active", CreatedAt: at.Add(-time.Hour)},
		{ID: pullSubscription, Agency: "commercial-bank", Types: []string{"administrative_penalty"}, Departments: []string{},
			Mode: "pull", FullIDTypes: []string{}, Status: "active", CreatedAt: at.Add(-time.Hour)},
		{ID: pendingSubscription, Agency: "commercial-bank", Types: []string{"tax_credit"}, Departments: []string{},
			Mode: "pull", FullIDTypes: []string{}, Status: "pending_approval", CreatedAt: at.Add(-time.Hour)},
	}}
	for i, e := range []store.Event{created, created, revoked, revoked} {
		e.Seq, e.Status = int64(i+1), store.Pending
		o := owed{webhookSubscription, e}
		if i%2 == 1 {
			o.sub = pullSubscription
		}
		switch i {
		case 0:
			o.Status, o.Attempts = store.Delivered, 1
		case 2:
			o.Status, o.Attempts, o.LastError = store.Dead, 10, "status 500"
		}
		f.events = append(f.events, o)
	}
	return f
}

func (f *fakeSubscriptions) CreateSubscription(_ context.Context, sub *store.Subscription) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	sub.CreatedAt = time.Now()
	f.subs = append(f.subs, sub)
	return nil
}

func (f *fakeSubscriptions) find(id string) (*store.Subscription, error) {
	for _, s := range f.subs {
		if s.ID == id {
			return s, nil
		}
	}
	return nil, store.ErrNotFound
}

func (f *fakeSubscriptions) Subscription(_ context.Context, id string) (*store.Subscription, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.find(id)
	if err != nil {
		return nil, err
	}
	c := *s
	return &c, nil
}

func (f *fakeSubscriptions) Subscriptions(_ context.Context, agency string) ([]store.Subscription, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []store.Subscription
	for _, s := range f.subs {
		if agency == "" || s.Agency == agency {
			out = append(out, *s)
		}
	}
	return out, nil
}

func (f *fakeSubscriptions) SetSubscriptionStatus(_ context.Context, id, status, reason string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.find(id)
	if err == nil {
		s.Status, s.Reason = status, reason
	}
	return err
}

func (f *fakeSubscriptions) AddSecret(_ context.Context, id, secret string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.find(id)
	if err == nil {
		s.Secrets = append([]string{secret}, s.Secrets[:1]...)
	}
	return err
}

func (f *fakeSubscriptions) Events(_ context.Context, id string, after int64, limit int, statuses ...string) ([]store.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []store.Event
	for _, e := range f.events {
		if e.sub == id && e.Seq > after && (len(statuses) == 0 || slices.Contains(statuses, e.Status)) && len(out) < limit {
			out = append(out, e.Event)
		}
	}
	return out, nil
}

func (f *fakeSubscriptions) CursorAt(_ context.Context, id string, t time.Time) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var seq int64
	for _, e := range f.events {
		if e.sub == id && e.CreatedAt.Before(t) {
			seq = e.Seq
		}
	}
	return seq, nil
}

func (f *fakeSubscriptions) Redeliver(_ context.Context, id string, after int64, statuses ...string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var n int64
	for i, e := range f.events {
		if e.sub == id && e.Seq > after && slices.Contains(statuses, e.Status) {
			f.events[i].Status, f.events[i].Attempts, f.events[i].LastError = store.Pending, 0, ""
			n++
		}
	}
	return n, nil
}

// fileCatalog serves the catalogue files as the only published version of
// each type. It takes, as the registry would, a next version that widens
// its type's policy as waiting for approval, and approving or rejecting it
// sets it aside (appending the decision's audit entries to log); it
// publishes nothing else.
type fileCatalog struct {
	*catalog.Catalog
	log audit.Log

	mu      sync.Mutex
	pending map[string]*registry.Proposal
}

func newFileCatalog(cat *catalog.Catalog, log audit.Log) *fileCatalog {
	return &fileCatalog{Catalog: cat, log: log, pending: map[string]*registry.Proposal{}}
}

func (c *fileCatalog) Versions(code string) []registry.Version {
	t, ok := c.Type(code)
	if !ok {
		return nil
	}
	return []registry.Version{{Version: t.Version, PublishedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), PublishedBy: "catalogue files"}}
}

func (c *fileCatalog) Spans(code string) []registry.Span {
	t, ok := c.Type(code)
	if !ok {
		return nil
	}
	return []registry.Span{{Type: t}}
}

func (c *fileCatalog) Pending(code string) (*registry.Proposal, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.pending[code]
	return p, ok
}

func (c *fileCatalog) Publish(_ context.Context, t *catalog.RecordType, by string) (registry.Published, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cur, ok := c.Type(t.Code)
	if ok && cur.Version == t.Version {
		return registry.Published{Version: t.Version, Unchanged: true}, nil
	}
	if p, waits := c.pending[t.Code]; waits {
		if p.Version == t.Version {
			return registry.Published{Version: t.Version, Unchanged: true, Pending: true}, nil
		}
		return registry.Published{}, fmt.Errorf("%w: %s version %d waits", registry.ErrApprovalPending, t.Code, p.Version)
	}
	if ok && t.Version == cur.Version+1 {
		if policy := catalog.PolicyDiff(cur, t); len(catalog.Widening(policy)) > 0 {
			c.pending[t.Code] = &registry.Proposal{Version: t.Version, ProposedAt: time.Now(), ProposedBy: by, Policy: policy, Type: t}
			return registry.Published{Version: t.Version, Pending: true, Policy: policy}, nil
		}
	}
	return registry.Published{}, fmt.Errorf("%w: this test publishes nothing", registry.ErrVersionConflict)
}

func (c *fileCatalog) Approve(ctx context.Context, code string, version int, d registry.Decision) error {
	return c.decide(ctx, code, version, d)
}

func (c *fileCatalog) Reject(ctx context.Context, code string, version int, d registry.Decision) error {
	return c.decide(ctx, code, version, d)
}

func (c *fileCatalog) decide(ctx context.Context, code string, version int, d registry.Decision) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.pending[code]
	switch {
	case !ok || p.Version != version:
		return fmt.Errorf("%w: %s version %d", registry.ErrNotPending, code, version)
	case p.ProposedBy == d.By:
		return fmt.Errorf("%w: %s", registry.ErrOwnProposal, d.By)
	}
	if err := c.log.Append(ctx, d.Audit...); err != nil {
		return err
	}
	delete(c.pending, code)
	return nil
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
		t.Fatal("found no routes registered in the api package")
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
// mux.HandleFunc call in the package's non-test files.
func registeredRoutes(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var routes []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		routes = append(routes, routesIn(f)...)
	}
	return routes
}

// routesIn returns the patterns registered in one file.
func routesIn(f *ast.File) []string {
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
// status with a documented media type, those of a person 401
// person_token_required, the others 401 missing_credentials.
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
			if b.personal(op) {
				if code := errorCode(w); w.Code != http.StatusUnauthorized || code != "person_token_required" {
					t.Errorf("%s without an ID token = %d %q, want 401 person_token_required", name, w.Code, code)
				}
			} else if !b.public(op) {
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

// personal reports whether op acts for a person, with their ID token.
func (b *bundle) personal(op map[string]any) bool {
	security, _ := op["security"].([]any)
	for _, s := range security {
		if _, ok := s.(map[string]any)["personToken"]; ok {
			return true
		}
	}
	return false
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

// errorCodesInSource scans the non-test Go files of the packages the credex
// binary is built from for error codes.
func errorCodesInSource(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.Dir}}{{end}}", "../cmd/credex").Output()
	if err != nil {
		t.Fatalf("list the packages of the binary: %v", err)
	}
	root, _ := filepath.Abs("..")
	built := map[string]bool{}
	for dir := range strings.FieldsSeq(string(out)) {
		if strings.HasPrefix(dir, root+string(filepath.Separator)) {
			built[dir] = true
		}
	}
	var codes []string
	add := func(e ast.Expr) {
		if s, ok := stringLit(e); ok && codePattern.MatchString(s) {
			codes = append(codes, s)
		}
	}
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
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
		if dir, _ := filepath.Abs(filepath.Dir(path)); !built[dir] {
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

	// API keys: issued, listed, revoked.
	w = b.do("POST", "/v1/keys", "application/json", departmentKey, []byte(`{"label": "rotation"}`))
	issued := check("POST /v1/keys", w, 201, schemaOf("/v1/keys", "post", "201"))
	check("GET /v1/keys", b.do("GET", "/v1/keys", "", departmentKey, nil), 200, schemaOf("/v1/keys", "get", "200"))
	check("DELETE /v1/keys/{id} of another", b.do("DELETE", "/v1/keys/"+issued["id"].(string), "", agencyKey, nil), 404,
		schemaOf("/v1/keys/{id}", "delete", "404"))
	check("DELETE /v1/keys/{id}", b.do("DELETE", "/v1/keys/"+issued["id"].(string), "", departmentKey, nil), 200,
		schemaOf("/v1/keys/{id}", "delete", "200"))

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
	if v := check("GET "+penalty+"/diff without to", b.do("GET", penalty+"/diff?from=1", "", "", nil), 400,
		schemaOf("/v1/catalog/types/{code}/diff", "get", "400")); v["code"] != "invalid_parameter" || v["pointer"] != "/to" {
		t.Errorf("diff without to: code %v pointer %v, want invalid_parameter /to", v["code"], v["pointer"])
	}
	if v := check("GET "+penalty+"/diff to 9", b.do("GET", penalty+"/diff?from=1&to=9", "", "", nil), 404,
		schemaOf("/v1/catalog/types/{code}/diff", "get", "404")); v["code"] != "unknown_catalog_version" || v["pointer"] != "/to" {
		t.Errorf("diff to 9: code %v pointer %v, want unknown_catalog_version /to", v["code"], v["pointer"])
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

// TestOpenAPIDescribesSubscriptions asks the handler for every subscription
// operation, with the document's request examples and with each error the
// document lists, and checks every answer against the documented schema.
func TestOpenAPIDescribesSubscriptions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	do := func(path string, c call) map[string]any {
		t.Helper()
		return b.answer(t, path, c)
	}

	// Every request example makes a subscription, as the bank regulator or,
	// for an authorised-inquiry type, as the bank.
	const subscriptions = "/v1/subscriptions"
	examples, _ := b.lookup("#/paths/~1v1~1subscriptions/post/requestBody/content/application~1json/examples").(map[string]any)
	if len(examples) == 0 {
		t.Fatal("POST /v1/subscriptions has no request example")
	}
	for name, e := range examples {
		body, _ := json.Marshal(b.resolve(t, e.(map[string]any))["value"])
		body = bytes.ReplaceAll(body, []byte("https://hooks.agency.example/"), []byte("http://127.0.0.1:9/"))
		v := do(subscriptions, call{"POST", subscriptions, agencyKey, string(body), 201, ""})
		switch v["mode"] {
		case "webhook":
			if _, err := webhook.ParseSecret(fmt.Sprint(v["secret"])); err != nil || !strings.HasPrefix(fmt.Sprint(v["secret"]), "whsec_") {
				t.Errorf("example %s: secret %v: %v", name, v["secret"], err)
			}
		case "kafka":
			if v["topic"] != "credex.deliveries."+fmt.Sprint(v["id"]) {
				t.Errorf("example %s: topic %v", name, v["topic"])
			}
		}
	}
	v := do(subscriptions, call{"POST", subscriptions, bankKey, `{"types":["tax_credit"],"mode":"pull"}`, 201, ""})
	if ids, ok := v["full_id_types"].([]any); v["status"] != "pending_approval" || !ok || len(ids) != 0 {
		t.Errorf("a bank's tax_credit subscription: status %v, full_id_types %v; want pending_approval, none", v["status"], v["full_id_types"])
	}
	for _, c := range []call{
		{"POST", subscriptions, agencyKey, `{"type":["administrative_penalty"],"mode":"pull"}`, 400, "invalid_body"},
		{"POST", subscriptions, agencyKey, ``, 400, "invalid_body"},
		{"POST", subscriptions, agencyKey, `{"types":["administrative_penalty"],"mode":"email"}`, 400, "invalid_mode"},
		{"POST", subscriptions, agencyKey, `{"types":["administrative_penalty"],"mode":"pull","url":"http://127.0.0.1:9/"}`, 400, "unexpected_url"},
		{"POST", subscriptions, agencyKey, `{"types":["administrative_penalty"],"mode":"webhook","url":"http://10.1.2.3/credex"}`, 400, "url_not_allowed"},
		{"POST", subscriptions, agencyKey, `{"types":["administrative_penalty"],"mode":"webhook"}`, 400, "url_not_allowed"},
		{"POST", subscriptions, agencyKey, `{"mode":"pull"}`, 400, "missing_field"},
		{"POST", subscriptions, agencyKey, `{"types":["administrative_fine"],"mode":"pull"}`, 400, "unknown_type"},
		{"POST", subscriptions, agencyKey, `{"types":["administrative_penalty"],"classes":["positive"],"mode":"pull"}`, 400, "no_types"},
		{"POST", subscriptions, departmentKey, `{"types":["administrative_penalty"],"mode":"pull"}`, 403, "not_an_agency"},
		{"POST", subscriptions, bankKey, `{"types":["traffic_violation"],"mode":"pull"}`, 403, "type_not_entitled"},
	} {
		do(subscriptions, c)
	}

	// Listing: an agency sees its own, an operator every one.
	list := func(key string) []any {
		v := do(subscriptions, call{"GET", subscriptions, key, "", 200, ""})
		return v["subscriptions"].([]any)
	}
	if mine, all := list(bankKey), list(operatorKey); len(mine) != 3 || len(all) != 3+len(examples)+1 {
		t.Errorf("the bank lists %d subscriptions, the operator %d; want 3 and %d", len(mine), len(all), 3+len(examples)+1)
	}
	do(subscriptions, call{"GET", subscriptions, departmentKey, "", 403, "not_an_agency"})

	// One subscription: its agency and operators see it, nobody else.
	const one = "/v1/subscriptions/{id}"
	do(one, call{"GET", "/v1/subscriptions/" + webhookSubscription, agencyKey, "", 200, ""})
	do(one, call{"GET", "/v1/subscriptions/" + webhookSubscription, operatorKey, "", 200, ""})
	do(one, call{"GET", "/v1/subscriptions/" + webhookSubscription, bankKey, "", 404, "subscription_not_found"})
	do(one, call{"GET", "/v1/subscriptions/sbn_nosuchsubscription", agencyKey, "", 404, "subscription_not_found"})

	// Events: ID numbers in full for full_id_types, masked otherwise; the
	// cursor is stable.
	const events = "/v1/subscriptions/{id}/events"
	idNumber := func(v map[string]any) string {
		t.Helper()
		evs, _ := v["events"].([]any)
		if len(evs) == 0 {
			t.Fatalf("no events in %v", v)
		}
		data, _ := evs[0].(map[string]any)["data"].(map[string]any)
		subject, _ := data["subject"].(map[string]any)
		return fmt.Sprint(subject["id_number"])
	}
	full := do(events, call{"GET", "/v1/subscriptions/" + webhookSubscription + "/events", agencyKey, "", 200, ""})
	masked := do(events, call{"GET", "/v1/subscriptions/" + pullSubscription + "/events?wait=1", bankKey, "", 200, ""})
	if got := idNumber(full); got != "500103196607041934" {
		t.Errorf("a full_id_types subscription got the ID number %s", got)
	}
	if got := idNumber(masked); got != "5001**********1934" {
		t.Errorf("a masked subscription got the ID number %s: %v", got, masked)
	}
	next := fmt.Sprint(masked["next"])
	again := do(events, call{"GET", "/v1/subscriptions/" + pullSubscription + "/events?after=" + next, bankKey, "", 200, ""})
	if evs, _ := again["events"].([]any); len(evs) != 0 || again["next"] != next {
		t.Errorf("after the last event: %v, want no events and next %s", again, next)
	}
	first := do(events, call{"GET", "/v1/subscriptions/" + pullSubscription + "/events?limit=1", bankKey, "", 200, ""})
	if evs, _ := first["events"].([]any); len(evs) != 1 || first["next"] == next {
		t.Errorf("limit=1: %v", first)
	}
	do(events, call{"GET", "/v1/subscriptions/" + pullSubscription + "/events?after=&wait=0", bankKey, "", 200, ""})
	if last := do(events, call{"GET", "/v1/subscriptions/" + pullSubscription + "/events?after=999999999999999999", bankKey, "", 200, ""}); last["next"] != "999999999999999999" {
		t.Errorf("after the largest cursor: %v, want no events and the same cursor", last)
	}
	// Each parameter within the limits the document states, or refused.
	for _, c := range []struct{ query, code, pointer string }{
		{"after=abc", "invalid_cursor", "/after"},
		{"after=-1", "invalid_cursor", "/after"},
		{"after=1000000000000000000", "invalid_cursor", "/after"},
		{"after=99999999999999999999", "invalid_cursor", "/after"},
		{"wait=soon", "invalid_wait", "/wait"},
		{"wait=31", "invalid_wait", "/wait"},
		{"wait=-1", "invalid_wait", "/wait"},
		{"wait=", "invalid_wait", "/wait"},
		{"wait=4294967296", "invalid_wait", "/wait"},
		{"limit=0", "invalid_limit", "/limit"},
		{"limit=501", "invalid_limit", "/limit"},
		{"limit=many", "invalid_limit", "/limit"},
		{"limit=", "invalid_limit", "/limit"},
	} {
		v := do(events, call{"GET", "/v1/subscriptions/" + pullSubscription + "/events?" + c.query, bankKey, "", 400, c.code})
		if v["pointer"] != c.pointer {
			t.Errorf("events?%s: pointer %v, want %s", c.query, v["pointer"], c.pointer)
		}
	}
	do(events, call{"GET", "/v1/subscriptions/" + pullSubscription + "/events", agencyKey, "", 404, "subscription_not_found"})

	// Replay, with each request example.
	const replay = "/v1/subscriptions/{id}/replay"
	examples, _ = b.lookup("#/paths/~1v1~1subscriptions~1{id}~1replay/post/requestBody/content/application~1json/examples").(map[string]any)
	if len(examples) == 0 {
		t.Fatal("POST /v1/subscriptions/{id}/replay has no request example")
	}
	for _, e := range examples {
		body, _ := json.Marshal(b.resolve(t, e.(map[string]any))["value"])
		do(replay, call{"POST", "/v1/subscriptions/" + pullSubscription + "/replay", bankKey, string(body), 200, ""})
	}
	do(replay, call{"POST", "/v1/subscriptions/" + pullSubscription + "/replay", bankKey, `{}`, 400, "invalid_body"})
	do(replay, call{"POST", "/v1/subscriptions/" + pullSubscription + "/replay", bankKey, `{"after":"2","from":"2026-01-02T15:04:05Z"}`, 400, "invalid_body"})
	do(replay, call{"POST", "/v1/subscriptions/" + pullSubscription + "/replay", bankKey, `{"after":"-1"}`, 400, "invalid_cursor"})
	do(replay, call{"POST", "/v1/subscriptions/" + pullSubscription + "/replay", bankKey, `{"after":"1000000000000000000"}`, 400, "invalid_cursor"})
	do(replay, call{"POST", "/v1/subscriptions/" + pullSubscription + "/replay", bankKey, `{"after":""}`, 200, ""})

	// Dead letters, then their redelivery.
	const dead = "/v1/subscriptions/{id}/dead-letters"
	letters := do(dead, call{"GET", "/v1/subscriptions/" + webhookSubscription + "/dead-letters", agencyKey, "", 200, ""})
	if evs, _ := letters["events"].([]any); len(evs) != 1 {
		t.Errorf("dead letters: %v, want one", letters)
	}
	v = do(dead+"/redeliver", call{"POST", "/v1/subscriptions/" + webhookSubscription + "/dead-letters/redeliver", agencyKey, "", 200, ""})
	if v["redelivering"] != 1.0 {
		t.Errorf("redeliver: %v, want 1", v)
	}

	// Approval, by operators only, of pending subscriptions only.
	const approval = "/v1/subscriptions/{id}/approval"
	do(approval, call{"POST", "/v1/subscriptions/" + pendingSubscription + "/approval", bankKey, "", 403, "not_an_operator"})
	if v := do(approval, call{"POST", "/v1/subscriptions/" + pendingSubscription + "/approval", operatorKey, "", 200, ""}); v["status"] != "active" {
		t.Errorf("approved: status %v", v["status"])
	}
	do(approval, call{"POST", "/v1/subscriptions/" + pendingSubscription + "/approval", operatorKey, "", 409, "not_pending"})
	do(approval, call{"POST", "/v1/subscriptions/sbn_nosuchsubscription/approval", operatorKey, "", 404, "subscription_not_found"})

	// Secret rotation, for webhooks only.
	const secrets = "/v1/subscriptions/{id}/secrets"
	do(secrets, call{"POST", "/v1/subscriptions/" + webhookSubscription + "/secrets", agencyKey, "", 200, ""})
	do(secrets, call{"POST", "/v1/subscriptions/" + pullSubscription + "/secrets", bankKey, "", 409, "not_a_webhook"})

	// Cancellation.
	if v := do(one, call{"DELETE", "/v1/subscriptions/" + pullSubscription, bankKey, "", 200, ""}); v["status"] != "disabled" {
		t.Errorf("cancelled: status %v", v["status"])
	}
}

// TestOpenAPIDescribesWebhookRequests checks the webhook callback against
// what the hub sends: the headers it documents are those webhook.Headers
// sets, and the verification it describes (HMAC-SHA256 of id.timestamp.body
// under the base64 after whsec_) accepts the hub's signatures.
func TestOpenAPIDescribesWebhookRequests(t *testing.T) {
	t.Parallel()
	b := setup(t)
	op, _ := b.lookup("#/paths/~1v1~1subscriptions/post/callbacks/event/{$request.body#~1url}/post").(map[string]any)
	if op == nil {
		t.Fatal("POST /v1/subscriptions has no event callback")
	}
	secret, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := webhook.ParseSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"id":"evt_ukvozzeto52oqenj2ovpkhve"}`)
	ts := time.Unix(1795943308, 0)
	sent := webhook.Headers([]webhook.Secret{parsed}, "evt_ukvozzeto52oqenj2ovpkhve", ts, body)
	var documented []string
	for _, p := range op["parameters"].([]any) {
		param := b.resolve(t, p.(map[string]any))
		if param["in"] != "header" {
			continue
		}
		name := fmt.Sprint(param["name"])
		documented = append(documented, name)
		if sent.Get(name) == "" {
			t.Errorf("the callback documents header %s, which the hub does not send", name)
		}
	}
	for name := range sent {
		if name != "Content-Type" && !slices.ContainsFunc(documented, func(d string) bool { return strings.EqualFold(d, name) }) {
			t.Errorf("the hub sends header %s, which the callback does not document", name)
		}
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(sent.Get("webhook-id") + "." + sent.Get("webhook-timestamp") + "."))
	mac.Write(body)
	if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); sent.Get("webhook-signature") != want {
		t.Errorf("webhook-signature = %q, the documented computation gives %q", sent.Get("webhook-signature"), want)
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

// call is a request of a test of the document, and the status and error
// code it should be answered with.
type call struct {
	method, target, key, body string
	status                    int
	code                      string // of an error answer
}

// answer sends c, checks its answer against the document's schema for the
// operation of path and the status, and returns it decoded; nil when the
// document gives the answer no JSON.
func (b *bundle) answer(t *testing.T, path string, c call) map[string]any {
	t.Helper()
	name := fmt.Sprintf("%s %s", c.method, c.target)
	w := b.do(c.method, c.target, "application/json", c.key, []byte(c.body))
	if w.Code != c.status {
		t.Fatalf("%s = %d, want %d: %s", name, w.Code, c.status, w.Body)
	}
	resp, _ := b.lookup("#/paths/" + strings.ReplaceAll(path, "/", "~1") + "/" + strings.ToLower(c.method) +
		"/responses/" + strconv.Itoa(c.status)).(map[string]any)
	if resp == nil {
		t.Fatalf("%s: status %d is not documented", name, c.status)
	}
	content, _ := b.resolve(t, resp)["content"].(map[string]any)
	media, ok := content["application/json"].(map[string]any)
	if !ok {
		return nil
	}
	var v map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	b.conform(t, name, media["schema"].(map[string]any), v)
	if c.code != "" && v["code"] != c.code {
		t.Errorf("%s: code %v, want %s", name, v["code"], c.code)
	}
	return v
}
