package catalog

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/credex/credex/ident"
)

// payload is a valid administrative penalty as a department might write
// it, with idNumber and creditCode as they are given (JSON-escaped) and
// odd spacing and member order that Normalize must keep.
func payload(idNumber, creditCode, facts string) json.RawMessage {
	return json.RawMessage(`{ "severity":"general",
  "subject": {"id_number": "` + idNumber + `",   "name": "王小明"},
  "decision": {"authority": {"credit_code":"` + creditCode + `", "name": "示例市交通运输局"},
    "date": "2025-06-03", "document_no": "示交罚〔2025〕0042号"},
  "legal_basis": "《中华人民共和国道路运输条例》第六十三条",
  "penalty_types": ["warning", "fine"], "amount_yuan": 5000.00,
  "facts": "` + facts + `"}`)
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	rt := typeOf(t, loadDefault(t), "administrative_penalty")
	r := rand.New(rand.NewPCG(1, 2))
	id, code := ident.NewCitizenID(r), ident.NewCreditCode(r)
	for id[6:8] != "19" {
		id = ident.NewCitizenID(r)
	}
	const letters = "91350100M000100Y43"
	tests := []struct {
		name    string
		in      json.RawMessage
		want    json.RawMessage // nil: the input itself
		applied []Normalized
	}{
		{name: "nothing to rewrite", in: payload(id, code, "x")},
		{
			name: "an ID number with spaces around and a credit code in lower case",
			in:   payload(" "+id+"\\u3000", strings.ToLower(letters), "x"),
			want: payload(id, letters, "x"),
			applied: []Normalized{
				{Pointer: "/subject/id_number", Rule: ident.RuleTrimmedSpace},
				{Pointer: "/decision/authority/credit_code", Rule: ident.RuleLowercaseLetters},
			},
		},
		{
			name:    "a 15-digit first-generation number",
			in:      payload(id[:6]+id[8:17], code, "x"),
			want:    payload(id, code, "x"),
			applied: []Normalized{{Pointer: "/subject/id_number", Rule: ident.RuleUpgraded15Digit}},
		},
		{
			name:    "full-width digits written as escapes",
			in:      payload(jsonEscaped(fullWidth(id)), code, "x"),
			want:    payload(id, code, "x"),
			applied: []Normalized{{Pointer: "/subject/id_number", Rule: ident.RuleFullWidth}},
		},
		{name: "an invalid ID number stays for Validate to report", in: payload(" "+id[:17]+" ", code, "x")},
		{name: "an ID number where the schema has none", in: payload(id, code, " "+id+" ")},
		{name: "not JSON", in: json.RawMessage(`{"subject": {"id_number": " ` + id + `"`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, applied := rt.Normalize(tt.in)
			if tt.want == nil && (len(got) != len(tt.in) || len(got) > 0 && &got[0] != &tt.in[0]) {
				t.Error("Normalize changed data it did not rewrite")
			}
			if tt.want != nil {
				gotV, _ := Decode(got)
				wantV, _ := Decode(tt.want)
				if !reflect.DeepEqual(gotV, wantV) {
					t.Errorf("Normalize =\n%s\nwant\n%s", got, tt.want)
				}
			}
			slices.SortFunc(applied, func(a, b Normalized) int { return strings.Compare(b.Pointer, a.Pointer) })
			if len(applied) != len(tt.applied) {
				t.Fatalf("applied = %+v, want %+v", applied, tt.applied)
			}
			for i, a := range applied {
				if a.Pointer != tt.applied[i].Pointer || a.Rule != tt.applied[i].Rule || a.Message == "" {
					t.Errorf("applied[%d] = %+v, want %+v and a message", i, a, tt.applied[i])
				}
				if strings.Contains(a.Message, id[6:14]) {
					t.Errorf("message %q holds the number", a.Message)
				}
			}
			if tt.want != nil {
				if errs := rt.Validate(got); errs != nil {
					t.Errorf("the normalised payload fails: %+v", errs)
				}
			}
		})
	}
}

// Validate names the position and the rule of what is wrong with an
// identifier, without its value.
func TestValidateSaysWhereTheIdentifierIsWrong(t *testing.T) {
	t.Parallel()
	rt := typeOf(t, loadDefault(t), "administrative_penalty")
	r := rand.New(rand.NewPCG(3, 4))
	id, code := ident.NewCitizenID(r), ident.NewCreditCode(r)
	withX := id
	for withX[17] != 'X' {
		withX = ident.NewCitizenID(r)
	}
	tests := []struct {
		name, id, code, want string
	}{
		{"a letter in the ID number", id[:16] + "A" + id[17:], code,
			"Field subject.id_number is not a valid citizen ID number: character 17 is not a digit."},
		{"an ID number too short", id[:17], code,
			"Field subject.id_number is not a valid citizen ID number: it has 17 characters; an ID number has 18 (or 15 for a first-generation number)."},
		{"a lowercase x not normalised", withX[:17] + "x", code,
			"Field subject.id_number is not a valid citizen ID number: it is not written as the hub keeps it"},
		{"a letter in the division of a credit code", id, code[:3] + "A" + code[4:],
			"Field decision.authority.credit_code is not a valid unified social credit code: character 4 is not a digit, as the administrative division (characters 3 to 8) must be."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			errs := rt.Validate(payload(tt.id, tt.code, "x"))
			if len(errs) != 1 || !strings.HasPrefix(errs[0].Message, tt.want) {
				t.Fatalf("Validate = %+v, want one error saying %q", errs, tt.want)
			}
			if strings.Contains(errs[0].Message, id[6:14]) || strings.Contains(errs[0].Message, code[8:16]) {
				t.Errorf("message %q holds the value", errs[0].Message)
			}
		})
	}
}

func fullWidth(s string) string {
	return strings.Map(func(r rune) rune { return r - '0' + '０' }, s)
}

// jsonEscaped writes every character of s that is not ASCII as a JSON
// escape, \uXXXX.
func jsonEscaped(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 {
			b.WriteRune(r)
			continue
		}
		fmt.Fprintf(&b, `\u%04X`, r)
	}
	return b.String()
}
