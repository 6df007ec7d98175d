package intake

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/catalog"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/pipeline"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
)

// Ledger assigns versions to records and commits them to its outbox, with
// the summary of their submission, in one transaction (see
// store.Store.AdmitSubmission).
type Ledger interface {
	AdmitSubmission(ctx context.Context, recs []*record.Record, summarise func([]store.Outcome) *store.Submission) (*store.Admission, error)
}

// Relay publishes what the ledger committed (see relay.Relay).
type Relay interface {
	// Ready reports whether Kafka takes what the relay publishes.
	Ready(ctx context.Context) error
	// Await returns once the outbox rows ids are in Kafka.
	Await(ctx context.Context, ids []int64) error
}

// Catalog gives the record types submissions are checked against: the
// latest version of each, or the one a submission names.
type Catalog interface {
	Type(code string) (*catalog.RecordType, bool)
	TypeVersion(code string, version int) (*catalog.RecordType, bool)
}

// Publisher writes rejections to Kafka and waits for their acknowledgement.
type Publisher interface {
	Publish(ctx context.Context, msgs ...kafka.Message) error
}

// Receipt is the answer for one envelope of a submission.
type Receipt struct {
	Index int `json:"index"`
	// Status is accepted (Kafka has the version), rejected, or pending:
	// the ledger committed the version and publishes it, but Kafka did not
	// acknowledge it in time. Sending the same record again answers
	// accepted, with the same version, once Kafka has it.
	Status   string `json:"status"`
	RecordID string `json:"record_id,omitempty"`
	Version  int    `json:"version,omitempty"`
	// Unchanged: the record already had this content; nothing new was written.
	Unchanged bool   `json:"unchanged,omitempty"`
	Topic     string `json:"topic,omitempty"`
	// Errors lists every problem of a rejected envelope.
	Errors []catalog.FieldError `json:"errors,omitempty"`
	// Normalized lists how the hub rewrote identifiers of the data
	// (catalog.RecordType.Normalize) before it checked them: the record
	// holds them so rewritten.
	Normalized []catalog.Normalized `json:"normalized,omitempty"`
}

// Rejection is the message published to the rejected topic for one envelope.
// It is at most MaxRejectionBytes long: a rejection that would be longer
// carries the envelope as a TruncatedEnvelope instead, and its first 20
// errors, with pointers and messages cut to 512 bytes ending in "…".
type Rejection struct {
	SubmissionID string `json:"submission_id"`
	Index        int    `json:"index"`
	Department   string `json:"department"`
	// Connector names the door the envelope came in by (Batch.Connector).
	Connector  string               `json:"connector"`
	ReceivedAt time.Time            `json:"received_at"`
	Errors     []catalog.FieldError `json:"errors"`
	// ErrorsOmitted counts the errors of the receipt left out to fit.
	ErrorsOmitted int `json:"errors_omitted,omitempty"`
	// Envelope is the envelope as sent (a JSON string when it was not
	// JSON); absent when Truncated is set.
	Envelope  json.RawMessage    `json:"envelope,omitempty"`
	Truncated *TruncatedEnvelope `json:"truncated_envelope,omitempty"`
}

// TruncatedEnvelope stands for an envelope too large to be kept whole in
// the rejected topic.
type TruncatedEnvelope struct {
	// Bytes is the size of the envelope as sent.
	Bytes int `json:"bytes"`
	// SHA256 is the hex SHA-256 of the envelope as sent.
	SHA256 string `json:"sha256"`
	// Head is its first 4 KiB, as text ending in "…".
	Head string `json:"head"`
}

// MaxRejectionBytes bounds a message of the rejected topic, well below the
// 1 MiB Kafka takes by default.
const MaxRejectionBytes = 256 << 10

// What a rejection too large to publish keeps.
const (
	maxEnvelopeHead    = 4 << 10
	maxRejectionErrors = 20
	maxRejectionText   = 512
)

// Intake admits the envelopes of departments: it checks each against the
// catalogue, admits the valid ones into the ledger, waits until Kafka has
// their versions and publishes the rejected ones to the rejected topic.
// Every connector hands its envelopes to one Intake.
type Intake struct {
	cfg        Config
	catalog    Catalog
	ledger     Ledger
	relay      Relay
	publisher  Publisher
	topics     pipeline.Topics
	subjectKey []byte
	idKey      []byte
	audit      *audit.Recorder
	log        *slog.Logger
	m          metrics
	now        func() time.Time
}

// Deps are what an Intake works with.
type Deps struct {
	Catalog   Catalog
	Ledger    Ledger
	Relay     Relay
	Publisher Publisher
	Topics    pipeline.Topics
	// SubjectKey keys the hash by which subjects are looked up and partitioned.
	SubjectKey []byte
	// RecordIDKey keys record ids (record.ID; store.Store.RecordIDKey).
	RecordIDKey []byte
	// Audit records every accepted record, once Kafka has it and before
	// the receipt says so.
	Audit    *audit.Recorder
	Logger   *slog.Logger
	Registry prometheus.Registerer
}

// New returns the intake.
func New(cfg Config, d Deps) *Intake {
	return &Intake{
		cfg: cfg, catalog: d.Catalog, ledger: d.Ledger, relay: d.Relay, publisher: d.Publisher, topics: d.Topics,
		subjectKey: d.SubjectKey, idKey: d.RecordIDKey, audit: d.Audit, log: cmp.Or(d.Logger, slog.Default()), m: newMetrics(d.Registry), now: time.Now,
	}
}

// Errors of Submit.
var (
	// ErrUnavailable: the database or Kafka cannot be reached; nothing of
	// the batch was admitted.
	ErrUnavailable = errors.New("the hub cannot store records right now")
	// ErrUnconfirmed: the batch was admitted but its audit entries were not
	// written, so it has no receipts; the same batch again gets them, its
	// records unchanged.
	ErrUnconfirmed = errors.New("the hub cannot confirm the batch right now")
)

// Batch is what one connector read from one department at once.
type Batch struct {
	Department *principal.Principal
	// Connector names the door the batch came in by: "http", or the name of
	// a configured connector.
	Connector string
	// Envelopes are the envelopes as sent, each to be checked on its own.
	Envelopes []json.RawMessage
	// Found, when set, holds for each envelope the errors the connector
	// found reading it, such as a cell it could not read as its mapping
	// says. An envelope with errors found is rejected with them, as read,
	// like any other: in its receipt, the rejected topic and the metrics.
	Found [][]catalog.FieldError
}

// Result is the outcome of a batch: one receipt per envelope, in order. Its
// error pointers are relative to the envelope.
type Result struct {
	SubmissionID string
	Accepted     int
	Rejected     int
	// Pending counts the receipts of status pending.
	Pending  int
	Receipts []Receipt
}

// Settled reports whether every receipt is final: accepted or rejected,
// none pending. A connector acknowledges its source only for a settled
// result; it offers a batch again otherwise, and its records come back
// unchanged with their versions.
func (r *Result) Settled() bool { return r.Pending == 0 }

// item is one envelope on its way through a batch.
type item struct {
	raw    json.RawMessage
	env    envelope
	rtype  *catalog.RecordType
	record *record.Record
	errs   []catalog.FieldError
	// data is env.Data decoded (catalog.Decode), for content, with its
	// identifiers normalised.
	data any
	// normalized are the rewritings of identifiers in data.
	normalized []catalog.Normalized
	// outcome is what the ledger made of an accepted record.
	outcome store.Outcome
	// pending: the ledger committed the record, Kafka did not acknowledge
	// it in time.
	pending bool
}

// Submit checks a batch, admits its valid records and answers once Kafka
// has them, or once the acknowledgement timeout passed (their receipts then
// say pending). It fails, wrapping ErrUnavailable or ErrUnconfirmed, only
// when the hub cannot answer for the batch.
func (in *Intake) Submit(ctx context.Context, b Batch) (*Result, error) {
	p := b.Department
	sub := &submission{id: newSubmissionID(), department: p, connector: b.Connector, received: in.now().UTC()}
	items := make([]*item, len(b.Envelopes))
	for i, raw := range b.Envelopes {
		if i < len(b.Found) && len(b.Found[i]) > 0 {
			items[i] = in.found(raw, b.Found[i])
			continue
		}
		items[i] = in.check(p, raw)
		if items[i].record != nil {
			in.prepare(items[i], sub)
		}
	}
	if err := in.admit(ctx, sub, items); err != nil {
		if ctx.Err() != nil { // the caller gave up: nothing to tell operators
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
		}
		in.log.ErrorContext(ctx, "batch not accepted: infrastructure unavailable", "submission", sub.id, "department", p.Name, "connector", b.Connector, "err", err)
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	res := in.result(sub, items)
	if err := in.audit.Record(ctx, submitted(p, items)...); err != nil {
		in.log.ErrorContext(ctx, "batch accepted but not in the audit log", "submission", sub.id, "department", p.Name, "connector", b.Connector, "err", err)
		return nil, fmt.Errorf("%w: %w", ErrUnconfirmed, err)
	}
	in.log.InfoContext(ctx, "batch", "submission", sub.id, "department", p.Name, "connector", b.Connector,
		"accepted", res.Accepted, "rejected", res.Rejected, "pending", res.Pending)
	return res, nil
}

// submitted are the audit entries of the accepted records of a batch, one
// each, in the department's name whatever the connector; a revocation's
// subject comes from the ledger.
func submitted(p *principal.Principal, items []*item) []audit.Entry {
	var entries []audit.Entry
	for _, it := range items {
		if it.record != nil {
			entries = append(entries, audit.Entry{Principal: p.Name, Kind: string(p.Kind), Action: audit.RecordSubmitted,
				Resource: it.record.ID, Subject: it.record.SubjectKey, Result: audit.OK})
		}
	}
	return entries
}

type submission struct {
	id         string
	department *principal.Principal
	connector  string
	received   time.Time
}

// check validates one envelope and, when it is valid, builds its record.
func (in *Intake) check(p *principal.Principal, raw json.RawMessage) *item {
	it := &item{raw: raw}
	it.env, it.errs = parseEnvelope(raw)
	if hasPointer(it.errs, "") || hasPointer(it.errs, "/type") {
		return it
	}
	rt, ok := in.catalog.Type(it.env.Type)
	switch {
	case !ok:
		it.errs = append(it.errs, catalog.FieldError{Code: "unknown_type", Pointer: "/type",
			Message: fmt.Sprintf("%q is not a record type of the catalogue (see GET /v1/catalog)", it.env.Type)})
		return it
	case !p.MayPublish(rt.Code):
		it.errs = append(it.errs, catalog.FieldError{Code: "type_not_assigned", Pointer: "/type",
			Message: fmt.Sprintf("the catalogue does not assign %q to this department", rt.Code)})
		return it
	case it.env.CatalogVersion != 0:
		named, ok := in.catalog.TypeVersion(rt.Code, it.env.CatalogVersion)
		if !ok {
			it.errs = append(it.errs, catalog.FieldError{Code: "unknown_catalog_version", Pointer: "/catalog_version",
				Message: fmt.Sprintf("%s has no catalogue version %d (the latest is %d)", rt.Code, it.env.CatalogVersion, rt.Version)})
			it.rtype = rt
			return it
		}
		rt = named
	}
	it.rtype = rt
	if record.Op(it.env.Op).Content() && it.env.Data != nil && !hasPointer(it.errs, "/data") {
		// The payload is decoded once, with its envelope if it could be;
		// normalising, checking and building the record all read the one
		// value.
		v, err := it.env.decoded, error(nil)
		if v == nil {
			v, err = catalog.Decode(it.env.Data)
		}
		if err != nil {
			it.errs = append(it.errs, catalog.FieldError{Code: catalog.CodeMalformedJSON, Pointer: "/data", Message: "The data is not well-formed JSON."})
			return it
		}
		it.data = v
		it.normalized = rt.NormalizeValue(v)
		for i := range it.normalized {
			it.normalized[i].Pointer = "/data" + it.normalized[i].Pointer
		}
		for _, fe := range rt.ValidateValue(v) {
			fe.Pointer = "/data" + fe.Pointer
			it.errs = append(it.errs, fe)
		}
	}
	if len(it.errs) == 0 {
		it.record = &record.Record{}
	}
	return it
}

// found is the item of an envelope whose connector found errors reading
// it: rejected with them, unchecked, since the envelope lacks what could
// not be read. Its type, if known, labels the metrics.
func (in *Intake) found(raw json.RawMessage, errs []catalog.FieldError) *item {
	it := &item{raw: raw, errs: errs}
	it.env, _ = parseEnvelope(raw)
	it.rtype, _ = in.catalog.Type(it.env.Type)
	return it
}

// prepare fills in the record of a valid envelope.
func (in *Intake) prepare(it *item, sub *submission) {
	r := it.record
	r.ID = record.ID(in.idKey, sub.department.Code, it.rtype.Code, it.env.SourceID)
	r.Op, r.SourceID, r.Department = record.Op(it.env.Op), it.env.SourceID, sub.department.Code
	r.SubmissionID, r.AcceptedAt = sub.id, sub.received
	r.Data, r.Reason = it.env.Data, it.env.Reason
	for _, n := range it.normalized {
		r.Rewritten = append(r.Rewritten, record.Rewriting{Pointer: strings.TrimPrefix(n.Pointer, "/data"), Rule: n.Rule, Original: n.Original})
	}
	if r.Op == record.OpRevoke && r.Reason == "" {
		r.Reason = revocationReason(it.env.Data)
	}
	var err error
	if it.data != nil { // content, decoded by check
		err = record.BuildFrom(r, it.rtype, in.subjectKey, it.data)
	} else {
		err = record.Build(r, it.rtype, in.subjectKey)
	}
	if err != nil { // the envelope parsed, so its data re-encodes
		it.errs = append(it.errs, catalog.FieldError{Code: "malformed_json", Pointer: "/data", Message: "data could not be read"})
		it.record = nil
	}
}

// admit admits the valid records into the ledger and waits until Kafka has
// their versions; it publishes the rejections. It refuses to admit anything
// while Kafka cannot be reached. An error means nothing was admitted.
func (in *Intake) admit(ctx context.Context, sub *submission, items []*item) error {
	if err := in.relay.Ready(ctx); err != nil {
		return err
	}
	var recs []*record.Record
	var owners []*item
	for _, it := range items {
		if it.record != nil {
			recs, owners = append(recs, it.record), append(owners, it)
		}
	}
	var outbox []int64
	if len(items) > 0 {
		a, err := in.ledger.AdmitSubmission(ctx, recs, func(outcomes []store.Outcome) *store.Submission {
			for i, o := range outcomes {
				owners[i].outcome = o
				if o == store.UnknownRecord {
					owners[i].errs = append(owners[i].errs, catalog.FieldError{Code: "unknown_record", Pointer: "/source_id",
						Message: fmt.Sprintf("no record with this source_id was ever accepted from this department, so it cannot be %s", pastTense[recs[i].Op])})
					owners[i].record = nil
				}
			}
			return summary(sub, items)
		})
		if err != nil {
			return err
		}
		outbox = a.Outbox
	}
	in.publishRejections(ctx, sub, items)
	ackCtx, cancel := context.WithTimeout(ctx, in.cfg.ackTimeout())
	defer cancel()
	if err := in.relay.Await(ackCtx, outbox); err != nil {
		in.log.WarnContext(ctx, "batch stored, not yet in Kafka", "submission", sub.id, "department", sub.department.Name, "connector", sub.connector, "err", err)
		for _, it := range owners {
			it.pending = it.record != nil
		}
	}
	return nil
}

// summary is what the submission of items came to, for the department to
// read later: the receipts' errors are masked (ident.MaskText), though they
// never should quote an ID number.
func summary(sub *submission, items []*item) *store.Submission {
	sum := &store.Submission{ID: sub.id, Department: sub.department.Code, Connector: sub.connector,
		ReceivedAt: sub.received, Records: len(items), ErrorCodes: map[string]int{}}
	for i, it := range items {
		if it.record != nil {
			sum.Accepted++
			if it.outcome == store.Unchanged {
				sum.Unchanged++
			}
			continue
		}
		sum.Rejected++
		seen := map[string]bool{}
		for _, fe := range it.errs {
			if !seen[fe.Code] {
				seen[fe.Code] = true
				sum.ErrorCodes[fe.Code]++
			}
		}
		if len(sum.Rejections) < store.MaxSubmissionRejections {
			errs, _ := ClipErrors(it.errs)
			for j := range errs {
				errs[j].Message = ident.MaskText(errs[j].Message)
			}
			sum.Rejections = append(sum.Rejections, store.Rejection{Index: i, Errors: errs})
		}
	}
	return sum
}

// publishRejections writes the rejected envelopes to the rejected topic.
// The receipts are the department's answer; the topic is for operators, so
// a failure is logged and does not fail the submission.
func (in *Intake) publishRejections(ctx context.Context, sub *submission, items []*item) {
	var msgs []kafka.Message
	for i, it := range items {
		if len(it.errs) > 0 {
			m, err := in.rejection(sub, i, it)
			if err != nil {
				in.log.ErrorContext(ctx, "encode rejection", "submission", sub.id, "index", i, "err", err)
				continue
			}
			msgs = append(msgs, m)
		}
	}
	if err := in.publisher.Publish(ctx, msgs...); err != nil {
		in.log.ErrorContext(ctx, "rejections not published", "submission", sub.id, "department", sub.department.Name, "count", len(msgs), "err", err)
	}
}

func (in *Intake) rejection(sub *submission, index int, it *item) (kafka.Message, error) {
	rej := Rejection{SubmissionID: sub.id, Index: index, Department: sub.department.Code, Connector: sub.connector,
		ReceivedAt: sub.received, Errors: it.errs, Envelope: validJSONOrString(it.raw)}
	v, err := json.Marshal(rej)
	if err == nil && len(v) > MaxRejectionBytes {
		v, err = json.Marshal(rej.shrink(it.raw))
	}
	if err != nil {
		return kafka.Message{}, fmt.Errorf("encode rejection: %w", err)
	}
	return kafka.Message{Topic: in.topics.Rejected(), Key: []byte(sub.department.Code), Value: v}, nil
}

// shrink returns the rejection cut down to fit MaxRejectionBytes whatever
// raw, the envelope as sent, holds: its head and hash instead of the
// envelope, and the first errors, clipped.
func (rej Rejection) shrink(raw []byte) Rejection {
	sum := sha256.Sum256(raw)
	rej.Envelope = nil
	rej.Truncated = &TruncatedEnvelope{Bytes: len(raw), SHA256: hex.EncodeToString(sum[:]), Head: clip(string(raw), maxEnvelopeHead)}
	rej.Errors, rej.ErrorsOmitted = ClipErrors(rej.Errors)
	return rej
}

// ClipErrors cuts the errors of a receipt down to fit a message of bounded
// size, whatever the envelope held: it keeps the first 20, with pointers and
// messages cut to 512 bytes ending in "…", and returns how many it left out.
func ClipErrors(errs []catalog.FieldError) (kept []catalog.FieldError, omitted int) {
	if n := len(errs); n > maxRejectionErrors {
		errs, omitted = errs[:maxRejectionErrors], n-maxRejectionErrors
	}
	kept = make([]catalog.FieldError, len(errs))
	for i, fe := range errs {
		fe.Pointer, fe.Message = clip(fe.Pointer, maxRejectionText), clip(fe.Message, maxRejectionText)
		kept[i] = fe
	}
	return kept, omitted
}

// clip cuts s to its first n bytes or fewer, at a character boundary, and
// makes it valid UTF-8; a cut string ends in "…".
func clip(s string, n int) string {
	if len(s) <= n {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.ToValidUTF8(s[:n], "\uFFFD") + "…"
}

func validJSONOrString(raw json.RawMessage) json.RawMessage {
	if json.Valid(raw) {
		return raw
	}
	s, _ := json.Marshal(string(raw))
	return s
}

func (in *Intake) result(sub *submission, items []*item) *Result {
	res := &Result{SubmissionID: sub.id, Receipts: make([]Receipt, len(items))}
	for i, it := range items {
		typeLabel := "unknown"
		if it.rtype != nil {
			typeLabel = it.rtype.Code
		}
		rc := Receipt{Index: i, Normalized: it.normalized}
		if it.record == nil {
			rc.Status, rc.Errors = "rejected", it.errs
			for _, fe := range rc.Errors {
				in.m.errors.WithLabelValues(typeLabel, sub.department.Name, fe.Code).Inc()
			}
			res.Rejected++
		} else {
			rc.Status, rc.RecordID, rc.Version = "accepted", it.record.ID, it.record.Version
			if it.outcome == store.Unchanged {
				rc.Unchanged = true
			} else {
				rc.Topic = in.topics.Record(it.record.Type)
			}
			if it.pending {
				rc.Status = "pending"
				res.Pending++
			} else {
				res.Accepted++
			}
		}
		in.m.records.WithLabelValues(typeLabel, sub.department.Name, rc.Status).Inc()
		in.m.connector.WithLabelValues(sub.connector, sub.department.Name, rc.Status).Inc()
		res.Receipts[i] = rc
	}
	return res
}

func newSubmissionID() string {
	b := make([]byte, 15)
	rand.Read(b)
	return "sub_" + strings.ToLower(base32.StdEncoding.EncodeToString(b))
}

type metrics struct {
	records   *prometheus.CounterVec
	errors    *prometheus.CounterVec
	connector *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) metrics {
	m := metrics{
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "credex_submission_records_total",
			Help: "Records submitted, by record type, department and status (accepted, rejected or pending).",
		}, []string{"type", "department", "status"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "credex_submission_errors_total",
			Help: "Errors found in rejected records, by record type, department and error code.",
		}, []string{"type", "department", "code"}),
		connector: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "credex_connector_records_total",
			Help: "Records read by each connector, by connector, department and status (accepted, rejected or pending).",
		}, []string{"connector", "department", "status"}),
	}
	reg.MustRegister(m.records, m.errors, m.connector)
	return m
}
