package api

import (
	"cmp"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/authz"
	"github.com/credex/credex/casework"
	"github.com/credex/credex/catalog"
	"github.com/credex/credex/catalog/registry"
	"github.com/credex/credex/connectors/webhook"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/internal/apierr"
	"github.com/credex/credex/internal/requestid"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
	"github.com/credex/credex/subscription"
)

//go:embed openapi.yaml
var openapi []byte

// asyncapi describes the Kafka topics the hub writes.
//
//go:embed asyncapi.yaml
var asyncapi []byte

// Store is what the API reads from the public credit database.
type Store interface {
	PrincipalByKey(ctx context.Context, key string) (*principal.Principal, error)
	// PrincipalByCert returns the principal whose client certificate has
	// the hash (principal.CertHash), or store.ErrNotFound.
	PrincipalByCert(ctx context.Context, hash string) (*principal.Principal, error)
	Record(ctx context.Context, id string) (*store.Record, error)
}

// Catalog is the catalogue as published, with its versions and those
// waiting for approval (see registry.Registry).
type Catalog interface {
	Types() []*catalog.RecordType
	Type(code string) (*catalog.RecordType, bool)
	TypeVersion(code string, version int) (*catalog.RecordType, bool)
	Versions(code string) []registry.Version
	// Spans tells when each version of a type was in force.
	Spans(code string) []registry.Span
	// Pending returns the version of a type that waits for approval.
	Pending(code string) (*registry.Proposal, bool)
	// Publish registers a new version of a record type (see registry.Registry.Publish).
	Publish(ctx context.Context, t *catalog.RecordType, by string) (registry.Published, error)
	// Approve and Reject decide on a version that waits for approval.
	Approve(ctx context.Context, code string, version int, d registry.Decision) error
	Reject(ctx context.Context, code string, version int, d registry.Decision) error
}

// Deps are what the API serves from.
type Deps struct {
	Store         Store
	Catalog       Catalog
	Subscriptions Subscriptions
	// Guard checks webhook URLs against server-side request forgery.
	Guard webhook.Guard
	// DeliveryTopic names the Kafka topic of a kafka-mode subscription.
	DeliveryTopic func(subscription string) string
	// CreateTopic creates a kafka-mode subscription's topic, so that the
	// agency can start reading before the first event.
	CreateTopic func(ctx context.Context, topic string) error
	// Cases files, reads, lists and decides objections and repair
	// applications.
	Cases  *casework.Service
	Public PublicRecords
	// Lists answers the red and black list queries.
	Lists Lists
	// Audit records every read and change of personal data, before the
	// answer discloses it.
	Audit *audit.Recorder
	// AccessLog answers a person who asks who accessed their records.
	AccessLog AccessLog
	// Subjects says whether a name and an ID number go with records
	// (public query; who to tell of a request naming someone else).
	Subjects Subjects
	// People verifies the ID tokens by which persons prove who they are,
	// to file objections and repair applications, grant authorisations
	// and read their access log. Nil: the hub trusts no identity provider,
	// and those endpoints answer 503 identity_provider_not_configured.
	People People
	// Inquiries reads what authorised inquiries disclose (inquiries.go).
	Inquiries Inquiries
	// AuthorisationKey signs the tokens by which persons authorise
	// inquiries (package authorisation).
	AuthorisationKey []byte
	// SubjectKey keys the hash of ID numbers (record.SubjectKey), so
	// that a person can prove to be a record's subject, and, through a
	// key derived from it, the pseudonyms agencies know persons by
	// (subscription.Renderer).
	SubjectKey []byte
	// Now is the clock of display windows and inquiries; default
	// time.Now. Cases keep their own (casework.Config.Now).
	Now func() time.Time
	// Keys are the principals' API keys; KeyOverlap is how long a key
	// replaced through POST /v1/keys keeps working (DefaultKeyOverlap),
	// KeyLifetime how long a key issued through it works
	// (DefaultKeyLifetime).
	Keys        Keys
	KeyOverlap  time.Duration
	KeyLifetime time.Duration
	// KeyLimit limits the requests of each principal; PublicLimit those of
	// each client address to the routes that need no API key (the public
	// query, and those a person calls with an ID token); FailedAuthLimit
	// the failed attempts to authenticate of each client address, beyond
	// which its attempts are refused before their credentials are looked
	// up. Zero values are DefaultKeyLimit, DefaultPublicLimit and
	// DefaultFailedAuthLimit; a negative Rate does not limit.
	KeyLimit        Limit
	PublicLimit     Limit
	FailedAuthLimit Limit
	// KeyCheck, when set, checks credentials and counts their failures,
	// shared with the pages' sign-in; nil: a KeyCheck of the API's own,
	// of Store and FailedAuthLimit.
	KeyCheck *KeyCheck
	// LookupLimits bound the look-ups of persons by name and ID number
	// that need no key; zero values are DefaultLookupLimits.
	LookupLimits LookupLimits
	// Lookups, when set, are the buckets of the look-ups, shared with the
	// pages; nil: buckets of LookupLimits of the API's own.
	Lookups *Lookups
	// Ingest serves POST /v1/submissions for authenticated principals.
	Ingest http.Handler
	// Ready reports whether every dependency answers; nil means ready.
	Ready func(ctx context.Context) error
	// Gatherer, when set, is served at /metrics (see Metrics), behind
	// MetricsToken when that is set; nil serves no /metrics.
	Gatherer     prometheus.Gatherer
	MetricsToken string
	Registry     prometheus.Registerer
	Logger       *slog.Logger
}

// New returns the hub's HTTP handler.
func New(d Deps) http.Handler {
	a := &server{Deps: d,
		keyLimiter:    newLimiter(cmp.Or(d.KeyLimit, DefaultKeyLimit), time.Now),
		publicLimiter: newLimiter(cmp.Or(d.PublicLimit, DefaultPublicLimit), time.Now),
		keys:          d.KeyCheck,
		render:        subscription.NewRenderer(d.SubjectKey),
		lookups:       d.Lookups,
	}
	if a.lookups == nil {
		a.lookups = NewLookups(d.LookupLimits, d.SubjectKey, time.Now, d.Registry)
	}
	if a.keys == nil {
		a.keys = NewKeyCheck(d.Store, d.FailedAuthLimit, d.Registry)
	}
	a.KeyOverlap = cmp.Or(a.KeyOverlap, DefaultKeyOverlap)
	a.KeyLifetime = cmp.Or(a.KeyLifetime, DefaultKeyLifetime)
	mux := http.NewServeMux()
	mux.Handle("POST /v1/submissions", a.authenticate(d.Ingest))
	mux.Handle("GET /v1/records/{id}", a.authenticate(http.HandlerFunc(a.record)))
	mux.HandleFunc("GET /v1/catalog", a.catalogList)
	mux.HandleFunc("GET /v1/catalog/types/{code}", a.catalogType)
	mux.HandleFunc("GET /v1/catalog/types/{code}/versions", a.catalogVersions)
	mux.HandleFunc("GET /v1/catalog/types/{code}/versions/{version}", a.catalogVersion)
	mux.HandleFunc("GET /v1/catalog/types/{code}/diff", a.catalogDiff)
	mux.Handle("POST /v1/catalog/types/{code}/versions", a.authenticate(http.HandlerFunc(a.catalogPublish)))
	mux.Handle("POST /v1/catalog/types/{code}/versions/{version}/approval", a.authenticate(http.HandlerFunc(a.catalogApprove)))
	mux.Handle("POST /v1/catalog/types/{code}/versions/{version}/rejection", a.authenticate(http.HandlerFunc(a.catalogReject)))
	mux.Handle("POST /v1/subscriptions", a.authenticate(http.HandlerFunc(a.createSubscription)))
	mux.Handle("GET /v1/subscriptions", a.authenticate(http.HandlerFunc(a.listSubscriptions)))
	mux.Handle("GET /v1/subscriptions/{id}", a.authenticate(http.HandlerFunc(a.getSubscription)))
	mux.Handle("DELETE /v1/subscriptions/{id}", a.authenticate(http.HandlerFunc(a.cancel)))
	mux.Handle("GET /v1/subscriptions/{id}/events", a.authenticate(http.HandlerFunc(a.events)))
	mux.Handle("POST /v1/subscriptions/{id}/replay", a.authenticate(http.HandlerFunc(a.replay)))
	mux.Handle("POST /v1/subscriptions/{id}/approval", a.authenticate(http.HandlerFunc(a.approve)))
	mux.Handle("POST /v1/subscriptions/{id}/secrets", a.authenticate(http.HandlerFunc(a.rotateSecret)))
	mux.Handle("GET /v1/subscriptions/{id}/dead-letters", a.authenticate(http.HandlerFunc(a.deadLetters)))
	mux.Handle("POST /v1/subscriptions/{id}/dead-letters/redeliver", a.authenticate(http.HandlerFunc(a.redeliverDead)))
	a.routeObjections(mux)
	a.routePublic(mux)
	a.routeRepairs(mux)
	a.routeKeys(mux)
	a.routeInquiries(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		apierr.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", a.ready)
	if d.Gatherer != nil {
		mux.Handle("GET /metrics", Metrics(d.Gatherer, d.MetricsToken))
	}
	mux.HandleFunc("GET /openapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		w.Write(openapi)
	})
	mux.HandleFunc("GET /asyncapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		w.Write(asyncapi)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { unrouted(mux, w, r) })
	return instrument(textPaths(mux), d.Registry, d.Logger)
}

// textPaths answers 404 to a request whose path is not text the database
// can hold (invalid UTF-8, or U+0000): no resource is named so, and no
// route reads its path values into a query.
func textPaths(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !utf8.ValidString(r.URL.Path) || strings.ContainsRune(r.URL.Path, 0) {
			apierr.Write(w, apierr.New(http.StatusNotFound, "not_found", "nothing has this name: a path is UTF-8 text without U+0000"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

type server struct {
	Deps
	keyLimiter, publicLimiter *limiter
	// lookups throttle the keyless look-ups of persons (LookupLimits).
	lookups *Lookups
	// keys counts the failed attempts to authenticate of each client
	// address.
	keys *KeyCheck
	// render renders events for agencies, with pseudonyms keyed by a key
	// derived from SubjectKey.
	render *subscription.Renderer
}

// now is the time on the API's clock: Deps.Now, or the real one.
func (a *server) now() time.Time {
	if a.Now == nil {
		return time.Now()
	}
	return a.Now()
}

// newAuthFailures registers the count of failed attempts to authenticate.
func newAuthFailures(reg prometheus.Registerer) *prometheus.CounterVec {
	return promauto.With(reg).NewCounterVec(prometheus.CounterOpts{
		Name: "credex_auth_failures_total",
		Help: "Attempts to authenticate with credentials that name no principal, by reason: invalid_key (unknown or revoked), expired_key, unregistered_certificate.",
	}, []string{"reason"})
}

// unrouted answers a request no route took: 405 with Allow when the path
// exists for other methods, else 404.
func unrouted(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "/" {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		apierr.Write(w, apierr.New(http.StatusNotFound, "not_found", "no such endpoint; see /openapi.yaml"))
		return
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	apierr.Write(w, apierr.New(http.StatusMethodNotAllowed, "method_not_allowed", "this endpoint takes "+strings.Join(allow, ", ")))
}

var (
	errNoKey    = apierr.New(http.StatusUnauthorized, "missing_credentials", "send your API key as Authorization: Bearer <key>")
	errBadKey   = apierr.New(http.StatusUnauthorized, "invalid_credentials", "the API key is not valid")
	errBadCert  = apierr.New(http.StatusUnauthorized, "invalid_credentials", "the client certificate is not registered for any principal; send its cert_sha256 to the hub's operator, or use an API key")
	errNoRecord = apierr.New(http.StatusNotFound, "record_not_found", "no record with this id is visible to you")
	errDown     = apierr.New(http.StatusServiceUnavailable, "unavailable", "the hub cannot reach its database or Kafka; try again later")
)

// authenticate puts the principal named by the bearer key, or else by the
// verified client certificate of a mutual TLS connection, and the purpose
// the request states (PurposeHeader), into the context. A client address
// whose credentials failed more often than FailedAuthLimit allows is
// answered 429 before its credentials are looked up, whatever they are.
func (a *server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, e := purpose(r)
		if e != nil {
			apierr.Write(w, e)
			return
		}
		scheme, key, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		hasKey := strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(key) != ""
		hasCert := r.TLS != nil && len(r.TLS.VerifiedChains) > 0
		if !hasKey && !hasCert {
			w.Header().Set("WWW-Authenticate", `Bearer realm="credex"`)
			apierr.Write(w, errNoKey)
			return
		}
		if wait, refused := a.keys.refused(r); refused {
			refuse(w, wait)
			return
		}
		if !hasKey {
			a.authenticateCert(w, r.WithContext(ctx), next)
			return
		}
		p, err := a.Store.PrincipalByKey(r.Context(), strings.TrimSpace(key))
		switch {
		case errors.Is(err, store.ErrKeyExpired):
			w.Header().Set("WWW-Authenticate", `Bearer realm="credex", error="invalid_token"`)
			a.authFailed(w, r, "expired_key", errExpiredKey)
			return
		case errors.Is(err, store.ErrNotFound):
			w.Header().Set("WWW-Authenticate", `Bearer realm="credex", error="invalid_token"`)
			a.authFailed(w, r, "invalid_key", errBadKey)
			return
		case err != nil:
			a.Logger.ErrorContext(r.Context(), "authenticate", "err", err)
			apierr.Write(w, errDown)
			return
		}
		a.serveAs(w, r.WithContext(ctx), p, next)
	})
}

// authenticateCert serves r as the principal its verified client certificate
// names (the leaf's DER hash); a certificate the CA signed for no principal
// is refused.
func (a *server) authenticateCert(w http.ResponseWriter, r *http.Request, next http.Handler) {
	p, err := a.Store.PrincipalByCert(r.Context(), principal.CertHash(r.TLS.VerifiedChains[0][0].Raw))
	switch {
	case errors.Is(err, store.ErrNotFound):
		a.authFailed(w, r, "unregistered_certificate", errBadCert)
		return
	case err != nil:
		a.Logger.ErrorContext(r.Context(), "authenticate", "err", err)
		apierr.Write(w, errDown)
		return
	}
	a.serveAs(w, r, p, next)
}

// authFailed answers r, whose credentials failed for reason, with e, and
// counts the failure against its client address: a failure beyond the
// address's limit is answered 429 instead.
func (a *server) authFailed(w http.ResponseWriter, r *http.Request, reason string, e *apierr.Error) {
	if wait, refused := a.keys.failed(r, reason); refused {
		w.Header().Del("WWW-Authenticate")
		refuse(w, wait)
		return
	}
	apierr.Write(w, e)
}

// serveAs serves r as p, within p's rate limit.
func (a *server) serveAs(w http.ResponseWriter, r *http.Request, p *principal.Principal, next http.Handler) {
	if who, ok := r.Context().Value(servedAsKey{}).(*servedAs); ok {
		who.name = p.Name
	}
	if ok, wait := a.keyLimiter.take(p.Name); !ok {
		refuse(w, wait)
		return
	}
	next.ServeHTTP(w, r.WithContext(principal.With(r.Context(), p)))
}

// recordView is a record as GET /v1/records/{id} shows it.
type recordView struct {
	RecordID       string          `json:"record_id"`
	Type           string          `json:"type"`
	Department     string          `json:"department"`
	SourceID       string          `json:"source_id"`
	State          string          `json:"state"`
	Version        int             `json:"version"`
	Disputed       bool            `json:"disputed"`
	Display        string          `json:"display"`
	CatalogVersion int             `json:"catalog_version"`
	Subject        subjectView     `json:"subject"`
	Data           json.RawMessage `json:"data"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
	History        []versionView   `json:"history"`
}

type subjectView struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number_masked"`
}

type versionView struct {
	Version        int             `json:"version"`
	Op             string          `json:"op"`
	ContentHash    string          `json:"content_hash"`
	CatalogVersion int             `json:"catalog_version"`
	SubmissionID   string          `json:"submission_id"`
	AcceptedAt     time.Time       `json:"accepted_at"`
	StoredAt       time.Time       `json:"stored_at"`
	Data           json.RawMessage `json:"data"`
	Reason         string          `json:"reason,omitempty"`
	// Rewritten lists the identifiers the hub rewrote, each with the value
	// as sent: only the department that owns the record reads this view.
	Rewritten []record.Rewriting `json:"rewritten,omitempty"`
}

// record serves GET /v1/records/{id} to the department that owns the record.
// Anyone else is told it does not exist, so ids cannot be probed.
func (a *server) record(w http.ResponseWriter, r *http.Request) {
	p := principal.From(r.Context())
	id := r.PathValue("id")
	rec, err := a.Store.Record(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if a.logAccess(w, r, audit.Entry{Action: audit.RecordRead, Resource: id, Result: audit.NotFound}) {
			apierr.Write(w, errNoRecord)
		}
		return
	case err != nil:
		a.Logger.ErrorContext(r.Context(), "read record", "err", err)
		apierr.Write(w, errDown)
		return
	case !authz.Allowed(p.Kind, authz.ReadRecord, nil) || p.Code != rec.Department:
		if a.logAccess(w, r, audit.Entry{Action: audit.RecordRead, Resource: id, Subject: rec.SubjectKey, Result: audit.NotFound}) {
			apierr.Write(w, errNoRecord)
		}
		return
	}
	if !a.logAccess(w, r, audit.Entry{Action: audit.RecordRead, Resource: id, Subject: rec.SubjectKey, Result: audit.OK}) {
		return
	}
	v := recordView{
		RecordID: rec.ID, Type: rec.Type, Department: rec.Department, SourceID: rec.SourceID,
		State: rec.State, Version: rec.Version, Disputed: rec.Disputed, Display: rec.Display, CatalogVersion: rec.CatalogVersion,
		Subject: subjectView{Name: rec.SubjectName, IDNumber: rec.SubjectMasked},
		Data:    rec.Data, CreatedAt: rec.CreatedAt, UpdatedAt: rec.UpdatedAt,
		History: make([]versionView, len(rec.History)),
	}
	for i, h := range rec.History {
		v.History[i] = versionView{Version: h.Version, Op: h.Op, ContentHash: h.ContentHash, CatalogVersion: h.CatalogVersion,
			SubmissionID: h.SubmissionID, AcceptedAt: h.AcceptedAt, StoredAt: h.StoredAt, Data: h.Data, Reason: h.Reason,
			Rewritten: h.Rewritten}
	}
	apierr.JSON(w, http.StatusOK, v)
}

func (a *server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := a.Ready(ctx); err != nil {
		a.Logger.WarnContext(r.Context(), "not ready", "err", err)
		apierr.JSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": readiness(err)})
		return
	}
	apierr.JSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// readiness names what is down without the addresses and errors behind it,
// which are for the operator's log, not for anyone who asks.
func readiness(err error) string {
	switch {
	case errors.Is(err, ErrDatabaseDown):
		return "the database does not answer"
	case errors.Is(err, ErrKafkaDown):
		return "Kafka does not answer"
	}
	return "a dependency does not answer"
}

// Errors a Ready func wraps to say what is down.
var (
	ErrDatabaseDown = errors.New("database down")
	ErrKafkaDown    = errors.New("kafka down")
)

// instrument names each request, logs a line for it and counts requests
// and their durations by route and status. The name is the client's
// X-Request-Id when it is sane and holds no ID number, else a new one; it
// is answered in X-Request-Id and carried in the request's context
// (requestid), so that every line logged with that context names it. The
// line of a request names its method, route pattern, status, duration, and
// the principal that authenticated, if any; the probes and /metrics, when
// they succeed, are logged at Debug, every other request at Info.
func instrument(next http.Handler, reg prometheus.Registerer, log *slog.Logger) http.Handler {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "credex_http_requests_total", Help: "HTTP requests served, by route and status code.",
	}, []string{"route", "code"})
	seconds := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "credex_http_request_seconds", Help: "Time to serve HTTP requests, by route.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
	}, []string{"route"})
	reg.MustRegister(requests, seconds)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(requestid.Header)
		if !requestid.Sane(id) || ident.MaskText(id) != id {
			id = requestid.New()
		}
		w.Header().Set(requestid.Header, id)
		who := new(servedAs)
		r = r.WithContext(context.WithValue(requestid.With(r.Context(), id), servedAsKey{}, who))
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		took := time.Since(start)
		route := r.Pattern
		if route == "" || route == "/" {
			route = "other"
		}
		requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
		seconds.WithLabelValues(route).Observe(took.Seconds())
		level := slog.LevelInfo
		if quiet[route] && sw.status < http.StatusBadRequest {
			level = slog.LevelDebug
		}
		attrs := []slog.Attr{slog.String("method", r.Method), slog.String("route", route), slog.Int("status", sw.status),
			slog.Float64("duration_ms", float64(took.Microseconds())/1000)}
		if who.name != "" {
			attrs = append(attrs, slog.String("principal", who.name))
		}
		log.LogAttrs(r.Context(), level, "http request", attrs...)
	})
}

// quiet are the routes that load balancers and Prometheus call every few
// seconds: their successes are logged at Debug.
var quiet = map[string]bool{"GET /healthz": true, "GET /readyz": true, "GET /metrics": true}

// servedAs is the principal a request was served as, noted by serveAs
// for the request's log line.
type servedAs struct{ name string }

type servedAsKey struct{}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
