package filedrop_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/connectors/filedrop"
	"github.com/credex/credex/connectors/intake"
	"github.com/credex/credex/connectors/source"
	"github.com/credex/credex/internal/testkit/wait"
)

// fakeIntake accepts every envelope, as version 1 of a record named after
// its source id, except those whose source id starts with BAD, which it
// rejects for their ID number and facts. fail, when set, answers a call
// instead.
type fakeIntake struct {
	mu    sync.Mutex
	calls int
	fail  func(call int) error
	// submitted counts the envelopes offered, by source id.
	submitted map[string]int
	// found are the envelopes offered with errors the connector found.
	found map[string]bool
}

func (f *fakeIntake) Submit(ctx context.Context, b intake.Batch) (*intake.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail != nil {
		if err := f.fail(f.calls); err != nil {
			return nil, err
		}
	}
	res := &intake.Result{}
	for i, raw := range b.Envelopes {
		var env struct {
			SourceID string `json:"source_id"`
		}
		json.Unmarshal(raw, &env)
		f.submitted[env.SourceID]++
		rc := intake.Receipt{Index: i, Status: "accepted", RecordID: "rec_" + env.SourceID, Version: 1}
		switch {
		case i < len(b.Found) && len(b.Found[i]) > 0: // rejected as the connector found it
			rc = intake.Receipt{Index: i, Status: "rejected", Errors: b.Found[i]}
			f.found[env.SourceID] = true
		case strings.HasPrefix(env.SourceID, "BAD"):
			rc = intake.Receipt{Index: i, Status: "rejected", Errors: []catalog.FieldError{
				{Code: "invalid_id_number", Pointer: "/data/subject/id_number", Message: "Field subject.id_number is not a valid citizen ID number."},
				{Code: "unknown_field", Pointer: "/data/extra", Message: "Field extra is not in the catalogue."},
			}}
		}
		res.Receipts = append(res.Receipts, rc)
	}
	return res, nil
}

var mapping = source.Mapping{Type: "administrative_penalty", Files: "penalties-*", Columns: map[string]source.Column{
	"编号":    {To: "/source_id"},
	"身份证号码": {To: "/data/subject/id_number"},
	"决定日期":  {To: "/data/decision/date", As: "date"},
}}

type bundle struct {
	inbox  string
	intake *fakeIntake
	conn   source.Connector
}

func setup(t *testing.T, batch int) *bundle {
	t.Helper()
	inbox := t.TempDir()
	return &bundle{inbox: inbox, intake: &fakeIntake{submitted: map[string]int{}, found: map[string]bool{}},
		conn: source.Connector{Name: "test", Department: "market", Files: &source.Files{Inbox: inbox, Batch: batch,
			Poll: source.Duration(10 * time.Millisecond)}, Mappings: []source.Mapping{mapping}}}
}

// run runs the connector until stop.
func (b *bundle) run(t *testing.T) (stop func()) {
	t.Helper()
	c, err := filedrop.New(b.conn, source.Deps{Intake: b.intake, Metrics: source.NewMetrics(prometheus.NewRegistry())})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	stop = func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}
	t.Cleanup(func() {
		if ctx.Err() == nil {
			stop()
		}
	})
	return stop
}

func (b *bundle) drop(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(b.inbox, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// result waits for name in dir, as a department would, and returns its
// result file, which is there before it.
func (b *bundle) result(t *testing.T, dir, name string) string {
	t.Helper()
	path := filepath.Join(b.inbox, dir, name)
	wait.For(t, 10*time.Second, path, func() bool {
		_, err := os.Stat(path)
		return err == nil
	})
	raw, err := os.ReadFile(filepath.Join(b.inbox, dir, filedrop.ResultName(name)))
	if err != nil {
		t.Errorf("%s is in %s/ without its result file: %v", name, dir, err)
	}
	return string(raw)
}

func TestComplete(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"penalties.csv": true, "penalties.csv.part": false, ".penalties.xlsx": false,
		"penalties.csv.tmp": false, "penalties.part.csv": true,
	} {
		if got := filedrop.Complete(name); got != want {
			t.Errorf("Complete(%q) = %v, want %v", name, got, want)
		}
	}
}

// Files still being written are left alone; the complete one is read.
func TestCompletionConvention(t *testing.T) {
	t.Parallel()
	b := setup(t, 0)
	const file = "编号,身份证号码,决定日期\nA-1,110101199003074477,2025-06-03\n"
	for _, name := range []string{"penalties-1.csv.part", ".penalties-2.csv", "penalties-3.csv.tmp", "penalties-4.csv"} {
		b.drop(t, name, file)
	}
	b.run(t)
	b.result(t, filedrop.Done, "penalties-4.csv")
	for _, name := range []string{"penalties-1.csv.part", ".penalties-2.csv", "penalties-3.csv.tmp"} {
		if _, err := os.Stat(filepath.Join(b.inbox, name)); err != nil {
			t.Errorf("%s, not complete, was touched: %v", name, err)
		}
	}
}

// The result file is UTF-8 with a byte order mark, one line per row: the
// record of an accepted row, every error of a rejected one with its column.
func TestResultFile(t *testing.T) {
	t.Parallel()
	b := setup(t, 2)
	b.drop(t, "penalties-1.csv", "编号,身份证号码,决定日期\r\n"+
		"A-1,110101199003074477,2025-06-03\r\n"+
		"BAD-2,110101199003074470,2025-06-03\r\n"+
		",,\r\n"+
		"A-3,110101199003074477,2025-02-30\r\n"+
		"A-4,110101199003074477,\r\n")
	b.run(t)
	want := "\uFEFFrow,status,record_id,version,column,code,message\r\n" +
		"2,accepted,rec_A-1,1,,,\r\n" +
		"3,rejected,,,身份证号码 | /data/extra,invalid_id_number | unknown_field,Field subject.id_number is not a valid citizen ID number. | Field extra is not in the catalogue.\r\n" +
		"5,rejected,,,决定日期,invalid_cell,column 决定日期: not a date written YYYY-MM-DD\r\n" +
		"6,accepted,rec_A-4,1,,,\r\n"
	if got := b.result(t, filedrop.Done, "penalties-1.csv"); got != want {
		t.Errorf("result\n%s\nwant\n%s", got, want)
	}
	if !b.intake.found["A-3"] || len(b.intake.found) != 1 {
		t.Errorf("the intake was told of errors found in %v, want in A-3 alone", b.intake.found)
	}
}

// A file goes to failed/ when it lacks a mapped column or no mapping
// takes it, and the files after it are read.
func TestFailedFiles(t *testing.T) {
	t.Parallel()
	b := setup(t, 0)
	b.drop(t, "penalties-1.csv", "编号,姓名\nA-1,王小明\n")
	b.drop(t, "licences-2.csv", "编号,身份证号码,决定日期\n")
	b.drop(t, "penalties-3.csv", "编号,身份证号码,决定日期\nA-1,110101199003074477,2025-06-03\n")
	b.drop(t, "penalties-4.csv", "编号,身份证号码,决定日期\nA-1,110101199003074477,2025-06-03\nA-2,\""+strings.Repeat("x", 4<<20)+"\",\n")
	b.run(t)
	b.result(t, filedrop.Done, "penalties-3.csv")
	if got := b.result(t, filedrop.Failed, "penalties-4.csv"); !strings.HasSuffix(got,
		"3,failed,,,,unreadable_file,\"row 3: longer than 1048576 bytes, the most a row may be\"\r\n") {
		t.Errorf("a file with a row too long: result %q", got)
	}
	for name, want := range map[string]string{
		"penalties-1.csv": "1,failed,,,决定日期 | 身份证号码,missing_columns,\"missing columns: 决定日期, 身份证号码\"\r\n",
		"licences-2.csv":  ",failed,,,,no_mapping,no mapping's files pattern matches the file's name\r\n",
	} {
		got := b.result(t, filedrop.Failed, name)
		if _, line, _ := strings.Cut(got, "\r\n"); line != want {
			t.Errorf("%s: result %q, want %q", name, line, want)
		}
	}
}

// A name already in done/ is not overwritten.
func TestNamesNeverOverwritten(t *testing.T) {
	t.Parallel()
	b := setup(t, 0)
	const file = "编号,身份证号码,决定日期\nA-1,110101199003074477,2025-06-03\n"
	b.drop(t, "penalties-1.csv", file)
	b.run(t)
	first := b.result(t, filedrop.Done, "penalties-1.csv")
	b.drop(t, "penalties-1.csv", strings.Replace(file, "A-1", "A-2", 1))
	wait.For(t, 10*time.Second, "a second file in done/", func() bool {
		m, _ := filepath.Glob(filepath.Join(b.inbox, filedrop.Done, "penalties-1-*Z.csv"))
		r, _ := filepath.Glob(filepath.Join(b.inbox, filedrop.Done, "penalties-1-*Z.result.csv"))
		return len(m) == 1 && len(r) == 1
	})
	if again := b.result(t, filedrop.Done, "penalties-1.csv"); again != first {
		t.Errorf("the first result was overwritten")
	}
}

// A stop in the middle of a file resumes after the last batch answered,
// lines written after it cut off; an outage of the hub holds the file until
// the hub answers.
func TestResume(t *testing.T) {
	t.Parallel()
	b := setup(t, 2)
	var file strings.Builder
	file.WriteString("编号,身份证号码,决定日期\n")
	for i := range 9 {
		fmt.Fprintf(&file, "A-%d,110101199003074477,2025-06-03\n", i)
	}
	b.drop(t, "penalties-1.csv", file.String())
	stopped := make(chan struct{})
	b.intake.fail = func(call int) error {
		if call == 3 {
			close(stopped)
			return fmt.Errorf("%w: stopping", intake.ErrUnavailable)
		}
		return nil
	}
	stop := b.run(t)
	<-stopped
	stop()
	processing := filepath.Join(b.inbox, filedrop.Processing)
	partial, err := filepath.Glob(filepath.Join(processing, ".*.result.csv"))
	if err != nil || len(partial) != 1 {
		t.Fatalf("no result in progress in processing/: %v", partial)
	}
	f, _ := os.OpenFile(partial[0], os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("6,accepted,rec_written_before_a_crash,1,,,\r\n")
	f.Close()

	b.intake.fail = func(call int) error {
		if call == 4 {
			return fmt.Errorf("%w: an outage", intake.ErrUnavailable)
		}
		return nil
	}
	b.run(t)
	got := b.result(t, filedrop.Done, "penalties-1.csv")
	var want strings.Builder
	want.WriteString("\uFEFFrow,status,record_id,version,column,code,message\r\n")
	for i := range 9 {
		fmt.Fprintf(&want, "%d,accepted,rec_A-%d,1,,,\r\n", i+2, i)
	}
	if got != want.String() {
		t.Errorf("result\n%s\nwant\n%s", got, want.String())
	}
	if rest, _ := os.ReadDir(processing); len(rest) != 0 {
		t.Errorf("processing/ still holds %d files", len(rest))
	}
}
