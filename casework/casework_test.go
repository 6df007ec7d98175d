package casework_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/casework"
	"github.com/credex/credex/catalog"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/idtoken"
	"github.com/credex/credex/internal/testkit/pgtest"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/record"
	"github.com/credex/credex/schemas"
	"github.com/credex/credex/store"
	"github.com/credex/credex/workday"
)

// Keys of the principals of the tests.
const (
	marketKey = "test-market-key"
	taxKey    = "test-tax-key"
	opKey     = "test-operator-key"
	agencyKey = "test-agency-key"
)

// clock is the service's clock in these tests, set by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// memLog is an audit log in memory.
type memLog struct {
	mu      sync.Mutex
	entries []audit.Entry
}

func (l *memLog) Append(_ context.Context, entries ...audit.Entry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, entries...)
	return nil
}

func (l *memLog) actions() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var actions []string
	for _, e := range l.entries {
		actions = append(actions, e.Action+" "+e.Kind)
	}
	return actions
}

// bundle is a Service on a database of its own, on a clock the test sets.
type bundle struct {
	t          *testing.T
	ctx        context.Context
	store      *store.Store
	catalog    *catalog.Catalog
	clock      *clock
	audit      *memLog
	logs       *bytes.Buffer
	registry   *prometheus.Registry
	cases      *casework.Service
	subjectKey []byte
	rand       *rand.Rand
	// market and tax are departments; the records are the market
	// regulator's.
	market, tax, operator, agency *principal.Principal
	records                       int
}

func setup(t *testing.T, now string) *bundle {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load(schemas.FS)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	b := &bundle{t: t, ctx: ctx, store: st, catalog: cat, clock: &clock{}, audit: &memLog{}, logs: &bytes.Buffer{},
		registry: prometheus.NewRegistry(), subjectKey: []byte("casework-test-subject-key"), rand: r}
	b.set(now)
	seeds := []principal.SeedEntry{
		{Kind: principal.Department, Name: "market", Key: marketKey, Code: ident.NewCreditCode(r), Types: []string{"administrative_penalty"}},
		{Kind: principal.Department, Name: "tax", Key: taxKey, Code: ident.NewCreditCode(r), Types: []string{"administrative_penalty"}},
		{Kind: principal.Operator, Name: "operator", Key: opKey},
		{Kind: principal.Agency, Name: "agency", Key: agencyKey},
	}
	if err := st.SavePrincipals(ctx, seeds); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct {
		key string
		to  **principal.Principal
	}{{marketKey, &b.market}, {taxKey, &b.tax}, {opKey, &b.operator}, {agencyKey, &b.agency}} {
		if *p.to, err = st.PrincipalByKey(ctx, p.key); err != nil {
			t.Fatal(err)
		}
	}
	b.cases = casework.New(casework.Config{
		Store: st, Catalog: cat, Audit: &audit.Recorder{Log: b.audit, Now: b.clock.now}, SubjectKey: b.subjectKey,
		Calendar: workday.Default(), Now: b.clock.now, Registry: b.registry,
		Logger: slog.New(slog.NewTextHandler(b.logs, nil)),
	})
	return b
}

// at parses "2006-01-02 15:04" in Beijing time.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, workday.Location)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// endOf is the deadline form of a date: its last instant in Beijing time.
func endOf(t *testing.T, date string) time.Time {
	t.Helper()
	return at(t, date+" 00:00").Add(24*time.Hour - time.Nanosecond).Truncate(time.Microsecond)
}

// set moves the clock to s ("2006-01-02 15:04", Beijing time).
func (b *bundle) set(s string) { b.clock.set(at(b.t, s)) }

// as is the context of a request by p.
func (b *bundle) as(p *principal.Principal) context.Context { return principal.With(b.ctx, p) }

// person is the synthetic subject of a record, and the statement of their
// filings (empty: one about a wrong fine).
type person struct{ recordID, name, idNumber, statement string }

// penalty stores a general administrative penalty (shown 3 to 12 months)
// by the market regulator about a new synthetic person, decided on
// decided (a date).
func (b *bundle) penalty(decided string) person {
	b.t.Helper()
	rt, _ := b.catalog.Type("administrative_penalty")
	var d map[string]any
	json.Unmarshal(rt.Example, &d)
	p := person{name: "王测试", idNumber: ident.NewCitizenID(b.rand)}
	d["subject"] = map[string]any{"name": p.name, "id_number": p.idNumber}
	d["severity"] = "general"
	d["decision"].(map[string]any)["date"] = decided
	data, _ := json.Marshal(d)
	b.records++
	sourceID := fmt.Sprintf("PEN-%d", b.records)
	r := &record.Record{ID: record.ID([]byte("test-record-id-key"), b.market.Code, rt.Code, sourceID), Op: record.OpUpsert, Department: b.market.Code,
		SourceID: sourceID, Data: data, SubmissionID: "sub_test", AcceptedAt: b.clock.now()}
	if err := record.Build(r, rt, b.subjectKey); err != nil {
		b.t.Fatal(err)
	}
	if _, err := b.store.Admit(b.ctx, []*record.Record{r}); err != nil {
		b.t.Fatal(err)
	}
	if _, err := b.store.Apply(b.ctx, []store.Delivery{{Record: r, Topic: "records", Offset: int64(b.records)}}); err != nil {
		b.t.Fatal(err)
	}
	p.recordID = r.ID
	return p
}

// proved is the context of a request by p, who proved who they are with
// their ID token.
func (b *bundle) proved(p person) context.Context {
	return idtoken.With(b.ctx, &idtoken.Person{IDNumber: p.idNumber, Name: p.name})
}

func (p person) filing() casework.Filing {
	return casework.Filing{RecordID: p.recordID, Name: p.name, IDNumber: p.idNumber, Statement: cmp.Or(p.statement, "罚款金额与处罚决定书不符。")}
}

func uploads(name string) []casework.Upload {
	return []casework.Upload{{Name: name, MediaType: "application/pdf", Content: []byte("%PDF-1.4\n% synthetic\n")}}
}

// object files an objection by p on listed grounds.
func (b *bundle) object(p person) *casework.Objection {
	b.t.Helper()
	o, err := b.cases.FileObjection(b.proved(p), casework.ObjectionFiling{Filing: p.filing(), Grounds: "error"})
	if err != nil {
		b.t.Fatalf("file objection: %v", err)
	}
	return o
}

// apply applies for the repair of p's record.
func (b *bundle) apply(p person) *casework.Repair {
	b.t.Helper()
	r, err := b.cases.ApplyForRepair(b.proved(p), casework.RepairApplication{Filing: p.filing(),
		Proof: uploads("receipt.pdf"), Commitment: uploads("commitment.pdf")})
	if err != nil {
		b.t.Fatalf("apply for repair: %v", err)
	}
	return r
}

// gauge reads a gauge of the service's registry.
func (b *bundle) gauge(name string) float64 {
	b.t.Helper()
	families, err := b.registry.Gather()
	if err != nil {
		b.t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			return f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	b.t.Fatalf("no metric %s", name)
	return 0
}
