package record

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/schemas"
	"github.com/credex/credex/workday"
)

// beijing is the instant of a Beijing wall-clock time.
func beijing(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.ParseInLocation("2006-01-02 15:04:05.999999999", s, workday.Location)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// payload is the catalogue's example of code with its decision date and,
// when given, the field that selects its display period set.
func payload(t *testing.T, rt *catalog.RecordType, date, byValue string) json.RawMessage {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(rt.Example, &d); err != nil {
		t.Fatal(err)
	}
	d["decision"].(map[string]any)["date"] = date
	if byValue != "" {
		d[rt.Display.By] = byValue
	}
	if errs := rt.Validate(mustJSON(t, d)); len(errs) > 0 {
		t.Fatalf("test payload of %s is invalid: %v", rt.Code, errs)
	}
	return mustJSON(t, d)
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBuildDatesTheDisplayWindowFromTheDecision(t *testing.T) {
	t.Parallel()
	cat, err := catalog.Load(schemas.FS)
	if err != nil {
		t.Fatal(err)
	}
	typ := func(code string) *catalog.RecordType {
		rt, ok := cat.Type(code)
		if !ok {
			t.Fatalf("no type %s", code)
		}
		return rt
	}
	for _, tc := range []struct {
		name          string
		rt            *catalog.RecordType
		op            Op
		date, byValue string
		want          *Window // nil: no window
	}{
		{
			name: "general penalty: repairable after 3 months, shown for 12",
			rt:   typ("administrative_penalty"), op: OpUpsert, date: "2025-01-15", byValue: "general",
			want: &Window{
				From:       beijing(t, "2025-01-15 00:00:00"),
				RepairFrom: beijing(t, "2025-04-15 23:59:59.999999999"),
				Until:      beijing(t, "2026-01-15 23:59:59.999999999"),
			},
		},
		{
			name: "serious penalty of a leap day: its anniversary is the end of February",
			rt:   typ("administrative_penalty"), op: OpUpsert, date: "2024-02-29", byValue: "serious",
			want: &Window{
				From:       beijing(t, "2024-02-29 00:00:00"),
				RepairFrom: beijing(t, "2025-02-28 23:59:59.999999999"),
				Until:      beijing(t, "2027-02-28 23:59:59.999999999"),
			},
		},
		{
			name: "a correction gets the window of its own decision date",
			rt:   typ("administrative_penalty"), op: OpCorrect, date: "2025-08-31", byValue: "minor",
			want: &Window{
				From:       beijing(t, "2025-08-31 00:00:00"),
				RepairFrom: beijing(t, "2025-08-31 23:59:59.999999999"),
				Until:      beijing(t, "2025-11-30 23:59:59.999999999"),
			},
		},
		{
			name: "a type with a single default period",
			rt:   typ("serious_dishonesty"), op: OpUpsert, date: "2025-06-03",
			want: &Window{
				From:       beijing(t, "2025-06-03 00:00:00"),
				RepairFrom: beijing(t, "2026-06-03 23:59:59.999999999"),
				Until:      beijing(t, "2028-06-03 23:59:59.999999999"),
			},
		},
		{
			name: "a type without display rules is shown while active",
			rt:   typ("administrative_licence"), op: OpUpsert, date: "2025-03-12",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &Record{Op: tc.op, Data: payload(t, tc.rt, tc.date, tc.byValue)}
			if err := Build(r, tc.rt, []byte("test-subject-key")); err != nil {
				t.Fatal(err)
			}
			wantWindow(t, r.Display, tc.want)
		})
	}
}

func TestBuildGivesLifecycleOpsNoWindow(t *testing.T) {
	t.Parallel()
	cat, err := catalog.Load(schemas.FS)
	if err != nil {
		t.Fatal(err)
	}
	rt, _ := cat.Type("administrative_penalty")
	for _, op := range []Op{OpRevoke, OpExpire, OpRepair, OpDispute} {
		r := &Record{Op: op, Data: json.RawMessage(`{"objection_id":"obj_1"}`),
			Display: &Window{From: time.Now()}}
		if err := Build(r, rt, []byte("test-subject-key")); err != nil {
			t.Fatal(err)
		}
		if r.Display != nil {
			t.Errorf("%s: window %+v, want none", op, r.Display)
		}
	}
}

// A period of at most 0 months means the record is not displayed: its
// window is empty, so no instant is in it.
func TestBuildGivesNotDisplayedRecordsAnEmptyWindow(t *testing.T) {
	t.Parallel()
	rt := &catalog.RecordType{Code: "hidden_minor_penalty", Version: 1,
		Display: catalog.Display{Periods: map[string]catalog.Period{catalog.DefaultPeriod: {MinMonths: 0, MaxMonths: 0}}}}
	r := &Record{Op: OpUpsert, Data: json.RawMessage(
		`{"subject":{"name":"王小明","id_number":"500103196607041934"},"decision":{"date":"2025-06-03"}}`)}
	if err := Build(r, rt, []byte("test-subject-key")); err != nil {
		t.Fatal(err)
	}
	from := beijing(t, "2025-06-03 00:00:00")
	wantWindow(t, r.Display, &Window{From: from, RepairFrom: from, Until: from})
}

func TestBuildRefusesContentWithoutADecisionDate(t *testing.T) {
	t.Parallel()
	rt := &catalog.RecordType{Code: "dated", Version: 1,
		Display: catalog.Display{Periods: map[string]catalog.Period{catalog.DefaultPeriod: {MinMonths: 3, MaxMonths: 12}}}}
	for _, decision := range []string{`{}`, `{"date":"2025-02-30"}`, `{"date":"3 June 2025"}`} {
		r := &Record{Op: OpUpsert, Data: json.RawMessage(
			`{"subject":{"name":"王小明","id_number":"500103196607041934"},"decision":` + decision + `}`)}
		if err := Build(r, rt, []byte("test-subject-key")); err == nil {
			t.Errorf("decision %s: built with window %+v, want an error", decision, r.Display)
		}
	}
}

func wantWindow(t *testing.T, got, want *Window) {
	t.Helper()
	switch {
	case want == nil && got != nil:
		t.Errorf("window %+v, want none", got)
	case want != nil && got == nil:
		t.Errorf("no window, want %+v", want)
	case want != nil && (!got.From.Equal(want.From) || !got.RepairFrom.Equal(want.RepairFrom) || !got.Until.Equal(want.Until)):
		t.Errorf("window\n got  %v .. repair %v .. %v\n want %v .. repair %v .. %v",
			got.From, got.RepairFrom, got.Until, want.From, want.RepairFrom, want.Until)
	}
}
