package catalog

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/credex/credex/schemas"
)

// labelled is an invalid example file: a payload and the one error it must give.
type labelled struct {
	Expect struct {
		Code    string `json:"code"`
		Pointer string `json:"pointer"`
	} `json:"expect"`
	Data json.RawMessage `json:"data"`
}

// Every file under examples/<code>/ passes or fails exactly as labelled:
// valid.json without error, invalid-*.json with exactly its expected code
// at its expected pointer.
func TestExamples(t *testing.T) {
	t.Parallel()
	c := loadDefault(t)
	files, err := fs.Glob(schemas.FS, "examples/*/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	seen := map[string]int{}
	for _, file := range files {
		code := path.Base(path.Dir(file))
		t.Run(code+"/"+path.Base(file), func(t *testing.T) {
			t.Parallel()
			rt := typeOf(t, c, code)
			raw, err := fs.ReadFile(schemas.FS, file)
			if err != nil {
				t.Fatal(err)
			}
			if path.Base(file) == "valid.json" {
				if errs := rt.Validate(raw); len(errs) != 0 {
					t.Fatalf("valid example fails: %+v", errs)
				}
				return
			}
			if !strings.HasPrefix(path.Base(file), "invalid-") {
				t.Fatal("example files are named valid.json or invalid-<what>.json")
			}
			var ex labelled
			if err := json.Unmarshal(raw, &ex); err != nil || ex.Expect.Code == "" || ex.Data == nil {
				t.Fatalf("not a labelled example {expect: {code, pointer}, data}: %v", err)
			}
			errs := rt.Validate(ex.Data)
			if len(errs) != 1 || errs[0].Code != ex.Expect.Code || errs[0].Pointer != ex.Expect.Pointer {
				t.Fatalf("Validate = %+v, want exactly %s at %q", errs, ex.Expect.Code, ex.Expect.Pointer)
			}
		})
		seen[code]++
	}
	for _, rt := range c.Types() {
		if seen[rt.Code] < 4 {
			t.Errorf("%s has %d examples, want valid.json and at least 3 invalid ones", rt.Code, seen[rt.Code])
		}
	}
}

// edit returns the valid example of rt changed by f, which gets it decoded.
func edit(t *testing.T, rt *RecordType, f func(p map[string]any)) json.RawMessage {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal(rt.Example, &p); err != nil {
		t.Fatal(err)
	}
	f(p)
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func subject(p map[string]any) map[string]any { return p["subject"].(map[string]any) }

func TestValidate(t *testing.T) {
	t.Parallel()
	c := loadDefault(t)
	type want struct{ code, pointer string }
	tests := []struct {
		name  string
		typ   string
		data  func(t *testing.T, rt *RecordType) json.RawMessage
		wants []want
	}{
		{"a valid payload", "administrative_penalty", example, nil},
		{"not JSON", "administrative_penalty", raw(`{"subject": `), []want{{CodeMalformedJSON, ""}}},
		{"nothing", "administrative_penalty", raw(``), []want{{CodeMalformedJSON, ""}}},
		{"a string instead of an object", "administrative_penalty", raw(`"penalty"`), []want{{CodeWrongType, ""}}},
		{"null", "administrative_licence", raw(`null`), []want{{CodeWrongType, ""}}},
		{
			"an empty object: every required field missing, each at its own pointer",
			"administrative_licence", raw(`{}`),
			[]want{
				{CodeMissingField, "/decision"}, {CodeMissingField, "/legal_basis"}, {CodeMissingField, "/licence_name"},
				{CodeMissingField, "/licence_no"}, {CodeMissingField, "/licence_type"}, {CodeMissingField, "/scope"},
				{CodeMissingField, "/subject"}, {CodeMissingField, "/valid_from"},
			},
		},
		{
			"a missing nested field points at the field, not its parent", "serious_dishonesty",
			changed(func(p map[string]any) {
				delete(p["decision"].(map[string]any)["authority"].(map[string]any), "credit_code")
			}),
			[]want{{CodeMissingField, "/decision/authority/credit_code"}},
		},
		{
			"an ID number of 15 digits", "administrative_licence",
			changed(func(p map[string]any) { subject(p)["id_number"] = "110105491231002" }),
			[]want{{CodeInvalidIDNumber, "/subject/id_number"}},
		},
		{
			"an ID number with a lowercase x", "administrative_licence",
			changed(func(p map[string]any) { subject(p)["id_number"] = "11010519491231002x" }),
			[]want{{CodeInvalidIDNumber, "/subject/id_number"}},
		},
		{
			"an ID number as a number: the type is at fault, not the format", "administrative_licence",
			changed(func(p map[string]any) { subject(p)["id_number"] = 110105194912310021 }),
			[]want{{CodeWrongType, "/subject/id_number"}},
		},
		{
			"a credit code with the letter O", "administrative_penalty",
			changed(func(p map[string]any) {
				p["decision"].(map[string]any)["authority"].(map[string]any)["credit_code"] = "11500103540776846O"
			}),
			[]want{{CodeInvalidCreditCode, "/decision/authority/credit_code"}},
		},
		{
			"a date that is not a date", "administrative_licence",
			changed(func(p map[string]any) { p["valid_to"] = "2030-13-01" }),
			[]want{{CodeInvalidDate, "/valid_to"}},
		},
		{
			"a date as a number", "administrative_licence",
			changed(func(p map[string]any) { p["valid_to"] = 20300311 }),
			[]want{{CodeWrongType, "/valid_to"}},
		},
		{
			"a repeated penalty type", "administrative_penalty",
			changed(func(p map[string]any) { p["penalty_types"] = []string{"fine", "fine"} }),
			[]want{{CodeInvalidArray, "/penalty_types"}},
		},
		{
			"a penalty type of the wrong type", "administrative_penalty",
			changed(func(p map[string]any) { p["penalty_types"] = []any{"fine", 7} }),
			[]want{{CodeWrongType, "/penalty_types/1"}},
		},
		{
			"no fine, so no amount needed", "administrative_penalty",
			changed(func(p map[string]any) { p["penalty_types"] = []string{"warning"}; delete(p, "amount_yuan") }),
			nil,
		},
		{
			"a zero amount", "administrative_penalty",
			changed(func(p map[string]any) { p["amount_yuan"] = 0 }),
			nil,
		},
		{
			"an over-long name", "serious_dishonesty",
			changed(func(p map[string]any) { subject(p)["name"] = strings.Repeat("名", 101) }),
			[]want{{CodeInvalidString, "/subject/name"}},
		},
		{
			"a NUL character, which the database cannot store, in a value", "administrative_penalty",
			changed(func(p map[string]any) { p["facts"] = "fined\x00twice" }),
			[]want{{CodeInvalidString, "/facts"}},
		},
		{
			"a NUL character in a value of a list", "administrative_penalty",
			changed(func(p map[string]any) { p["penalty_types"] = []any{"fine\x00"} }),
			[]want{{CodeInvalidString, "/penalty_types/0"}, {CodeNotAllowedValue, "/penalty_types/0"}},
		},
		{
			"a NUL character in a field name", "administrative_penalty",
			changed(func(p map[string]any) { p["x\x00"] = 1 }),
			[]want{{CodeInvalidString, "/x\x00"}, {CodeUnknownField, "/x\x00"}},
		},
		{
			"a number too large for the database, reported alone: its schema checks could take seconds", "administrative_penalty",
			changed(func(p map[string]any) { p["amount_yuan"] = json.Number("1e200000"); delete(p, "facts") }),
			[]want{{CodeOutOfRange, "/amount_yuan"}},
		},
		{
			"a number that is not zero but rounds to zero", "administrative_penalty",
			changed(func(p map[string]any) { p["amount_yuan"] = json.Number("1e-400") }),
			[]want{{CodeOutOfRange, "/amount_yuan"}},
		},
		{
			"a zero with an exponent beyond 400", "administrative_penalty",
			changed(func(p map[string]any) { p["amount_yuan"] = json.Number("0e-999999") }),
			[]want{{CodeOutOfRange, "/amount_yuan"}},
		},
		{
			"a number of more than 100 characters", "administrative_penalty",
			changed(func(p map[string]any) { p["amount_yuan"] = json.Number("1" + strings.Repeat("0", 100)) }),
			[]want{{CodeOutOfRange, "/amount_yuan"}},
		},
		{
			"a number too large, and a NUL character", "administrative_penalty",
			changed(func(p map[string]any) { p["amount_yuan"] = json.Number("-1e309"); p["facts"] = "a\x00b" }),
			[]want{{CodeOutOfRange, "/amount_yuan"}, {CodeInvalidString, "/facts"}},
		},
		{
			"the largest number a 64-bit float holds", "administrative_penalty",
			changed(func(p map[string]any) { p["amount_yuan"] = json.Number("1.7976931348623157e308") }),
			nil,
		},
		{
			"the smallest, and zero with an exponent of 400", "administrative_penalty",
			changed(func(p map[string]any) {
				p["amount_yuan"] = json.Number("4.9e-324")
				p["decision"].(map[string]any)["x"] = json.Number("0e-400")
			}),
			[]want{{CodeUnknownField, "/decision/x"}},
		},
		{
			"unknown fields are named in escaped pointers", "serious_dishonesty",
			changed(func(p map[string]any) { p["a/b"] = 1; p["c~d"] = 2 }),
			[]want{{CodeUnknownField, "/a~1b"}, {CodeUnknownField, "/c~0d"}},
		},
		{
			"several problems at once, sorted by pointer", "administrative_penalty",
			changed(func(p map[string]any) {
				p["severity"] = "severe"
				p["amount_yuan"] = -1
				subject(p)["id_number"] = "110105194912310021"
			}),
			[]want{{CodeOutOfRange, "/amount_yuan"}, {CodeNotAllowedValue, "/severity"}, {CodeInvalidIDNumber, "/subject/id_number"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rt := typeOf(t, c, tt.typ)
			errs := rt.Validate(tt.data(t, rt))
			var got, wants []string
			for _, e := range errs {
				got = append(got, e.Code+" "+e.Pointer)
				if e.Message == "" || !strings.HasSuffix(e.Message, ".") {
					t.Errorf("message %q is not a sentence", e.Message)
				}
			}
			for _, w := range tt.wants {
				wants = append(wants, w.code+" "+w.pointer)
			}
			if strings.Join(got, ", ") != strings.Join(wants, ", ") {
				t.Errorf("Validate =\n\t%s\nwant\n\t%s", strings.Join(got, ", "), strings.Join(wants, ", "))
			}
		})
	}
}

func example(t *testing.T, rt *RecordType) json.RawMessage { return rt.Example }

func raw(s string) func(*testing.T, *RecordType) json.RawMessage {
	return func(*testing.T, *RecordType) json.RawMessage { return json.RawMessage(s) }
}

func changed(f func(p map[string]any)) func(*testing.T, *RecordType) json.RawMessage {
	return func(t *testing.T, rt *RecordType) json.RawMessage { return edit(t, rt, f) }
}

// Messages never repeat an ID number, whatever is wrong with it.
func TestMessagesNeverContainTheIDNumber(t *testing.T) {
	t.Parallel()
	rt := typeOf(t, loadDefault(t), "administrative_penalty")
	for _, id := range []string{
		"500103196607041935", // check character
		"500103196602301934", // birth date
		"50010319660704193x", // lowercase x
		"5001031966070419345",
		"5001031966070",
		"050103196607041934",
	} {
		data := edit(t, rt, func(p map[string]any) {
			subject(p)["id_number"] = id
			p["phone_of_"+id] = id // an unknown field with the number in it
			p["severity"] = id
		})
		errs := rt.Validate(data)
		if len(errs) == 0 {
			t.Fatalf("%s was accepted", id)
		}
		for _, e := range errs {
			if strings.Contains(e.Message, id[3:len(id)-3]) {
				t.Errorf("message %q repeats the ID number", e.Message)
			}
		}
	}
}

func TestValidateIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	c := loadDefault(t)
	var wg sync.WaitGroup
	for i := range 8 {
		for _, rt := range c.Types() {
			wg.Go(func() {
				bad := edit(t, rt, func(p map[string]any) { subject(p)["id_number"] = fmt.Sprint(i) })
				for range 50 {
					if errs := rt.Validate(rt.Example); len(errs) != 0 {
						t.Errorf("%s example: %+v", rt.Code, errs)
					}
					if errs := rt.Validate(bad); len(errs) != 1 || errs[0].Code != CodeInvalidIDNumber {
						t.Errorf("%s bad: %+v", rt.Code, errs)
					}
				}
			})
		}
	}
	wg.Wait()
}

func TestSubject(t *testing.T) {
	t.Parallel()
	rt := typeOf(t, loadDefault(t), "administrative_penalty")
	name, id, err := rt.Subject(rt.Example)
	if err != nil || name != "王小明" || id != "500103196607041934" {
		t.Errorf("Subject(example) = %q, %q, %v", name, id, err)
	}
	for _, data := range []string{`{`, `{}`, `{"subject": {"name": "王小明"}}`, `{"subject": {"id_number": "500103196607041934"}}`} {
		if _, _, err := rt.Subject(json.RawMessage(data)); err == nil {
			t.Errorf("Subject(%s) succeeded", data)
		} else if strings.Contains(err.Error(), "500103196607041934") {
			t.Errorf("Subject error %q contains the ID number", err)
		}
	}
}

func TestDisplayPeriod(t *testing.T) {
	t.Parallel()
	c := loadDefault(t)
	penalty := typeOf(t, c, "administrative_penalty")
	tests := []struct {
		rt     *RecordType
		data   json.RawMessage
		want   Period
		wantOK bool
	}{
		{penalty, penalty.Example, Period{3, 12}, true}, // a general penalty
		{penalty, json.RawMessage(`{"severity": "minor"}`), Period{0, 3}, true},
		{penalty, json.RawMessage(`{"severity": "serious"}`), Period{12, 36}, true},
		{penalty, json.RawMessage(`{"severity": "grave"}`), Period{}, false},
		{penalty, json.RawMessage(`{}`), Period{}, false},
		{typeOf(t, c, "serious_dishonesty"), nil, Period{12, 36}, true},
		{typeOf(t, c, "administrative_licence"), nil, Period{}, false},
	}
	for _, tt := range tests {
		got, ok := tt.rt.DisplayPeriod(tt.data)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("%s.DisplayPeriod(%s) = %+v, %v, want %+v, %v", tt.rt.Code, tt.data, got, ok, tt.want, tt.wantOK)
		}
	}
}

// BenchmarkValidate measures validation of each type's valid example on
// every processor at once, and reports validations per second per core.
func BenchmarkValidate(b *testing.B) {
	for _, rt := range loadDefault(b).Types() {
		b.Run(rt.Code, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if errs := rt.Validate(rt.Example); errs != nil {
						b.Error(errs)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/float64(runtime.GOMAXPROCS(0)), "validations/s/core")
		})
	}
}

// Validate never panics, and always reports a stable code and a pointer.
func FuzzValidate(f *testing.F) {
	c := loadDefault(f)
	rt := typeOf(f, c, "administrative_penalty")
	f.Add([]byte(rt.Example))
	f.Add([]byte(`{"subject": {"id_number": 1}, "x": [1, {"y": null}]}`))
	f.Add([]byte(`[`))
	known := map[string]bool{CodeMalformedJSON: true, CodeMissingField: true, CodeWrongType: true,
		CodeInvalidIDNumber: true, CodeInvalidCreditCode: true, CodeInvalidDate: true, CodeNotAllowedValue: true,
		CodeUnknownField: true, CodeInvalidString: true, CodeOutOfRange: true, CodeInvalidArray: true, CodeInvalidValue: true}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, e := range rt.Validate(data) {
			if !known[e.Code] || (e.Pointer != "" && e.Pointer[0] != '/') || e.Message == "" {
				t.Fatalf("Validate(%q) gave %+v", data, e)
			}
		}
	})
}
