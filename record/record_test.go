package record

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// contentHash returns ContentHash or stops the test.
func contentHash(t *testing.T, op Op, data string) string {
	t.Helper()
	h, err := ContentHash(op, json.RawMessage(data))
	if err != nil {
		t.Fatalf("ContentHash(%s, %s): %v", op, data, err)
	}
	return h
}

func TestContentHashIgnoresFormatting(t *testing.T) {
	t.Parallel()
	base := `{"subject":{"name":"王小明","id_number":"500103196607041934"},"amount_yuan":5000,"penalty_types":["warning","fine"]}`
	tests := []struct {
		name string
		data string
	}{
		{"whitespace", "{ \"subject\" : {\n\t\"name\": \"王小明\", \"id_number\": \"500103196607041934\"},\r\n \"amount_yuan\": 5000,\n \"penalty_types\": [ \"warning\" , \"fine\" ] }\n"},
		{"key order", `{"penalty_types":["warning","fine"],"amount_yuan":5000,"subject":{"id_number":"500103196607041934","name":"王小明"}}`},
		{"escaped characters", `{"subject":{"name":"\u738b\u5c0f\u660e","id_number":"500103196607041934"},"amount_yuan":5000,"penalty_types":["warning","fine"]}`},
	}
	want := contentHash(t, OpUpsert, base)
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(want) {
		t.Fatalf("ContentHash = %q, want 64 hex digits", want)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := contentHash(t, OpUpsert, tt.data); got != want {
				t.Errorf("ContentHash(%s) = %s, want %s as for %s", tt.data, got, want, base)
			}
		})
	}
}

func TestContentHashTellsContentApart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		op1    Op
		data1  string
		op2    Op
		data2  string
		differ bool
	}{
		{"same", OpUpsert, `{"a":1}`, OpUpsert, `{"a":1}`, false},
		{"different value", OpUpsert, `{"amount_yuan":5000}`, OpUpsert, `{"amount_yuan":8000}`, true},
		{"different key", OpUpsert, `{"a":1}`, OpUpsert, `{"b":1}`, true},
		{"number and string", OpUpsert, `{"a":1}`, OpUpsert, `{"a":"1"}`, true},
		{"array order", OpUpsert, `{"a":[1,2]}`, OpUpsert, `{"a":[2,1]}`, true},
		{"different op", OpUpsert, `{"reason":"x"}`, OpRevoke, `{"reason":"x"}`, true},
		{"large integers stay exact", OpUpsert, `{"n":12345678901234567890}`, OpUpsert, `{"n":12345678901234567891}`, true},
		{"integers beyond float64 precision", OpUpsert, `{"n":9007199254740993}`, OpUpsert, `{"n":9007199254740992}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h1, h2 := contentHash(t, tt.op1, tt.data1), contentHash(t, tt.op2, tt.data2)
			if (h1 != h2) != tt.differ {
				t.Errorf("ContentHash(%s, %s) = %s, ContentHash(%s, %s) = %s; want differ = %v",
					tt.op1, tt.data1, h1, tt.op2, tt.data2, h2, tt.differ)
			}
		})
	}
}

func TestContentHashRefusesBadJSON(t *testing.T) {
	t.Parallel()
	if h, err := ContentHash(OpUpsert, json.RawMessage(`{"a":`)); err == nil {
		t.Errorf("ContentHash of truncated JSON = %s, want an error", h)
	}
}

func TestCanonical(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"sorted keys, nested", `{"b":{"y":1,"x":2},"a":[{"d":1,"c":2}]}`, `{"a":[{"c":2,"d":1}],"b":{"x":2,"y":1}}`},
		{"whitespace removed", " {\n \"a\" : [ 1 , 2 ] }\n", `{"a":[1,2]}`},
		{"large integer exact", `{"n":12345678901234567890}`, `{"n":12345678901234567890}`},
		{"decimal kept as written", `{"n":0.1}`, `{"n":0.1}`},
		{"HTML characters not escaped", `{"s":"<a&b>"}`, `{"s":"<a&b>"}`},
		{"non-ASCII kept", `{"s":"\u738b"}`, `{"s":"王"}`},
		{"literals", `[true,false,null]`, `[true,false,null]`},
		{"empty is null", "", "null"},
		{"blank is null", " \n", "null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Canonical(json.RawMessage(tt.in))
			if err != nil {
				t.Fatalf("Canonical(%q): %v", tt.in, err)
			}
			if string(got) != tt.want {
				t.Errorf("Canonical(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestRecordID(t *testing.T) {
	t.Parallel()
	key := []byte("0123456789abcdef0123456789abcdef")
	const dept, typ, src = "11500103540776846N", "administrative_penalty", "MR-2026-0001"
	id := ID(key, dept, typ, src)
	if !regexp.MustCompile(`^rec_[a-z2-7]{24}$`).MatchString(id) {
		t.Fatalf("ID = %q, want rec_ and 24 lowercase base32 characters", id)
	}
	if again := ID(key, dept, typ, src); again != id {
		t.Errorf("ID is not stable: %s then %s", id, again)
	}
	tests := []struct {
		name           string
		key            string
		dept, typ, src string
	}{
		{"other key", "fedcba9876543210fedcba9876543210", dept, typ, src},
		{"other department", string(key), "124403053099881096", typ, src},
		{"other type", string(key), dept, "serious_dishonesty", src},
		{"other source id", string(key), dept, typ, "MR-2026-0002"},
		{"source id moved into type", string(key), dept, typ + "M", "R-2026-0001"},
		{"type moved into department", string(key), dept + "a", "dministrative_penalty", src},
		{"separator moved", string(key), dept, typ + "\x00M", "R-2026-0001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ID([]byte(tt.key), tt.dept, tt.typ, tt.src); got == id {
				t.Errorf("ID(%q, %q, %q) = %s, the same as ID(%q, %q, %q)", tt.dept, tt.typ, tt.src, got, dept, typ, src)
			}
		})
	}
	t.Run("fields do not run together", func(t *testing.T) {
		t.Parallel()
		if a, b := ID(key, "d", "a", "bc"), ID(key, "d", "ab", "c"); a == b {
			t.Errorf(`ID("d", "a", "bc") = ID("d", "ab", "c") = %s`, a)
		}
		if a, b := ID(key, "a", "bc", "s"), ID(key, "ab", "c", "s"); a == b {
			t.Errorf(`ID("a", "bc", "s") = ID("ab", "c", "s") = %s`, a)
		}
	})
}

// The id of a record cannot be computed from its public fields: neither by
// the hash of them that ids once were, nor by that hash under an empty key.
func TestRecordIDIsNotTheHashOfPublicFields(t *testing.T) {
	t.Parallel()
	const dept, typ, src = "11500103540776846N", "administrative_penalty", "MR-2026-0001"
	id := ID([]byte("0123456789abcdef0123456789abcdef"), dept, typ, src)
	sum := sha256.Sum256([]byte(dept + "\x00" + typ + "\x00" + src))
	unkeyed := "rec_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:15]))
	for _, guess := range []string{unkeyed, ID(nil, dept, typ, src)} {
		if guess == id {
			t.Errorf("the id %s can be computed without the key", id)
		}
	}
}

func TestSubjectKey(t *testing.T) {
	t.Parallel()
	key := []byte("0123456789abcdef0123456789abcdef")
	const id = "500103196607041934"
	got := SubjectKey(key, id)
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(got) {
		t.Fatalf("SubjectKey = %q, want 64 hex digits", got)
	}
	if strings.Contains(got, id) {
		t.Errorf("SubjectKey %s contains the ID number", got)
	}
	if again := SubjectKey(key, id); again != got {
		t.Errorf("SubjectKey is not stable: %s then %s", got, again)
	}
	if other := SubjectKey([]byte("fedcba9876543210fedcba9876543210"), id); other == got {
		t.Errorf("SubjectKey does not depend on the key: %s for both", got)
	}
	if other := SubjectKey(key, "500103196607041935"); other == got {
		t.Errorf("SubjectKey does not depend on the ID number: %s for both", got)
	}
}
