package source_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/credex/credex/connectors/source"
)

func knownType(code string) bool { return code == "administrative_penalty" }

// TestParseRefuses: every mistake in a connectors file stops it with the
// place of the mistake.
func TestParseRefuses(t *testing.T) {
	t.Parallel()
	const mapping = "\n    mappings: [{type: administrative_penalty, columns: {编号: /source_id}}]"
	tests := []struct{ name, file, want string }{
		{"unknown key", "connectors:\n  - name: a\n    department: d\n    files: {inbx: /x}" + mapping, "line 4: unknown field inbx"},
		{"unknown top-level key", "connector: []", "line 1: unknown field connector"},
		{"bad name", "connectors:\n  - name: A_B\n    department: d\n    files: {inbox: /x}" + mapping, "connectors[0].name"},
		{"two sources", "connectors:\n  - name: a\n    department: d\n    files: {inbox: /x}\n    kafka: {topic: t, reply_topic: r}" + mapping, "exactly one of files, database and kafka"},
		{"no department", "connectors:\n  - name: a\n    files: {inbox: /x}" + mapping, "connectors[0].department: missing"},
		{"unknown encoding", "connectors:\n  - name: a\n    department: d\n    files: {inbox: /x, encoding: big5}" + mapping, "connectors[0].files.encoding"},
		{"bad duration", "connectors:\n  - name: a\n    department: d\n    files: {inbox: /x, poll: soon}" + mapping, "line 4: \"soon\" is not a positive duration"},
		{"unknown type", "connectors:\n  - name: a\n    department: d\n    files: {inbox: /x}\n    mappings: [{type: parking_ticket, columns: {编号: /source_id}}]", "connectors[0].mappings[0].type"},
		{"no source id", "connectors:\n  - name: a\n    department: d\n    files: {inbox: /x}\n    mappings: [{type: administrative_penalty, columns: {姓名: /data/subject/name}}]", "no column goes to /source_id"},
		{"outside the envelope", "connectors:\n  - name: a\n    department: d\n    files: {inbox: /x}\n    mappings: [{type: administrative_penalty, columns: {编号: /source_id, 类型: /type}}]", "columns[类型].to"},
		{"overlapping places", "connectors:\n  - name: a\n    department: d\n    files: {inbox: /x}\n    mappings: [{type: administrative_penalty, columns: {编号: /source_id, a: /data/subject, b: /data/subject/name}}]", "overlap"},
		{"unknown reading", "connectors:\n  - name: a\n    department: d\n    files: {inbox: /x}\n    mappings: [{type: administrative_penalty, columns: {编号: /source_id, a: {to: /data/a, as: money}}}]", "columns[a].as"},
		{"mappings for a topic", "connectors:\n  - name: a\n    department: d\n    kafka: {topic: t, reply_topic: r}" + mapping, "need no mapping"},
		{"two names alike", "connectors:\n  - name: a\n    department: d\n    files: {inbox: /x}" + mapping + "\n  - name: a\n    department: d\n    files: {inbox: /y}" + mapping, "listed twice"},
		{"a batch too large", "connectors:\n  - name: a\n    department: d\n    files: {inbox: /x, batch: 501}" + mapping, "batch 501"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := source.Parse([]byte(tt.file), knownType)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestLoadNamesTheFile: the error of a file names it.
func TestLoadNamesTheFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "connectors.yaml")
	os.WriteFile(path, []byte("connectors:\n  - nam: a\n"), 0o600)
	_, err := source.Load(path, knownType)
	if err == nil || err.Error() != path+": line 2: unknown field nam" {
		t.Errorf("Load = %v, want %q", err, path+": line 2: unknown field nam")
	}
}

// TestCells reads cells as their columns say, and refuses what they cannot
// read without quoting the cell.
func TestCells(t *testing.T) {
	t.Parallel()
	m := source.Mapping{Type: "administrative_penalty", Columns: map[string]source.Column{
		"编号":    {To: "/source_id"},
		"金额":    {To: "/data/amount", As: "number"},
		"次数":    {To: "/data/count", As: "integer"},
		"公开":    {To: "/data/public", As: "boolean"},
		"日期":    {To: "/data/decision/date", As: "date", Date: "YYYY年M月D日"},
		"种类":    {To: "/data/kinds", As: "list", Values: map[string]string{"警告": "warning", "罚款": "fine"}},
		"情节":    {To: "/data/severity", Values: map[string]string{"一般": "general"}},
		"a/b~c": {To: "/data/a~1b~0c"},
	}}
	cells := func(row map[string]string) func(string) (string, bool) {
		return func(h string) (string, bool) { v, ok := row[h]; return v, ok }
	}
	env, errs := m.Envelope(cells(map[string]string{"编号": " MR-1 ", "金额": "1,234.50", "次数": "3", "公开": "是",
		"日期": "2025年6月3日", "种类": "警告、罚款", "情节": "一般", "a/b~c": "x"}))
	want := `{"data":{"a/b~c":"x","amount":1234.5,"count":3,"decision":{"date":"2025-06-03"},"kinds":["warning","fine"],"public":true,"severity":"general"},"source_id":"MR-1","type":"administrative_penalty"}`
	if len(errs) > 0 || string(env) != want {
		t.Errorf("Envelope = %s, %v\nwant %s", env, errs, want)
	}
	_, errs = m.Envelope(cells(map[string]string{"编号": "MR-2", "金额": "一千", "次数": "3.5", "公开": "maybe", "日期": "2025年2月30日"}))
	var got []string
	for _, e := range errs {
		got = append(got, e.Code+" "+e.Pointer)
		for _, v := range []string{"一千", "3.5", "maybe", "2月30日"} {
			if strings.Contains(e.Message, v) {
				t.Errorf("the message %q quotes the cell", e.Message)
			}
		}
	}
	slices.Sort(got)
	if strings.Join(got, ", ") != "invalid_cell /data/amount, invalid_cell /data/count, invalid_cell /data/decision/date, invalid_cell /data/public" {
		t.Errorf("errors %v", got)
	}
}
