package hub_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/credex/credex/connectors/filedrop"
	"github.com/credex/credex/internal/testkit/wait"
	"github.com/credex/credex/record"
)

// fileDropRows is the number of rows of the files TestFileDrop drops:
// CREDEX_FILEDROP_ROWS, default 5,000 (100,000 is the size a department's
// monthly file reaches).
func fileDropRows(t testing.TB) int {
	n, err := strconv.Atoi(os.Getenv("CREDEX_FILEDROP_ROWS"))
	if err != nil {
		return 5000
	}
	return n
}

// badRow is the error a department finds on a bad row of its result file.
type badRow struct{ column, code string }

// penaltyRows makes n penalties with source ids prefix-NNNNNN; one row in a
// hundred is bad, in one of three ways, which bad gives by index.
func penaltyRows(b *bundle, prefix string, n int) (envelopes []map[string]any, bad map[int]badRow) {
	bad = map[int]badRow{}
	for i := range n {
		data := b.realisticPenalty()
		switch i % 300 {
		case 10: // a mistyped check character
			subject := data["subject"].(map[string]any)
			subject["id_number"] = mistype(subject["id_number"].(string))
			bad[i] = badRow{"身份证号码", "invalid_id_number"}
		case 110: // a date that does not exist
			data["decision"].(map[string]any)["date"] = "2025-02-30"
			bad[i] = badRow{"处罚决定日期", "invalid_cell"}
		case 210: // a required cell left empty
			delete(data, "facts")
			bad[i] = badRow{"违法事实", "missing_field"}
		}
		envelopes = append(envelopes, envelope("administrative_penalty", "upsert", sourceID(prefix, i), data))
	}
	return envelopes, bad
}

// runFileDrop runs the market regulator's file drop on inbox until the
// test ends.
func runFileDrop(t testing.TB, b *bundle, inbox string, batch int) (stop func()) {
	t.Helper()
	c := penaltyConnector(t, b, inbox)
	if batch > 0 {
		c.Files.Batch = batch
	}
	return b.runConnector(t, c)
}

// awaitResult waits until the file name is in done/, as a department would,
// and returns its result, which is there before it.
func awaitResult(t testing.TB, inbox, name string, within time.Duration) []resultLine {
	t.Helper()
	wait.For(t, within, name+" read", func() bool {
		_, err := os.Stat(filepath.Join(inbox, filedrop.Done, name))
		return err == nil
	})
	lines, ok := readResult(t, filepath.Join(inbox, filedrop.Done), name)
	if !ok {
		t.Errorf("%s is in done/ without its result file", name)
	}
	return lines
}

// checkResult checks that the result has one line per row, in order: the
// bad rows rejected with their column and code, the others accepted at
// version 1 under their records' ids.
func checkResult(t *testing.T, b *bundle, lines []resultLine, envelopes []map[string]any, bad map[int]badRow) {
	t.Helper()
	if len(lines) != len(envelopes) {
		t.Errorf("result has %d lines, want one per row: %d", len(lines), len(envelopes))
	}
	for i, l := range lines[:min(len(lines), len(envelopes))] {
		want, isBad := bad[i]
		id := record.ID(b.idKey, b.market.Code, "administrative_penalty", envelopes[i]["source_id"].(string))
		switch {
		case l.row != i+2:
			t.Errorf("line %d is of row %d, want row %d", i+1, l.row, i+2)
		case isBad && (l.status != "rejected" || l.column != want.column || l.code != want.code):
			t.Errorf("row %d: %+v, want rejected in column %s with %s", l.row, l, want.column, want.code)
		case !isBad && (l.status != "accepted" || l.recordID != id || l.version != "1"):
			t.Errorf("row %d: %+v, want accepted as %s at version 1", l.row, l, id)
		}
	}
}

// assertStored checks that the ledger and the database hold want records,
// each once.
func assertStored(t *testing.T, b *bundle, want int) {
	t.Helper()
	if n := b.count(`SELECT count(*) FROM record_heads`); n != want {
		t.Errorf("the ledger holds %d records, want %d", n, want)
	}
	wait.For(t, 5*time.Minute, fmt.Sprintf("%d versions stored", want), func() bool {
		return b.count(`SELECT count(*) FROM record_versions`) >= want
	})
	if n := b.count(`SELECT count(*) FROM record_versions`); n != want {
		t.Errorf("the database holds %d versions, want %d", n, want)
	}
}

// A department's large file, as GB18030 CSV or as XLSX, with one bad row
// in a hundred: exactly the bad rows are rejected, each with its row number
// and column, and the others are stored once.
func TestFileDrop(t *testing.T) {
	n := fileDropRows(t)
	for _, kind := range []string{"csv", "xlsx"} {
		t.Run(kind, func(t *testing.T) {
			b := setup(t, options{})
			inbox := t.TempDir()
			envelopes, bad := penaltyRows(b, kind, n)
			name := "penalties-2025-06." + kind
			if kind == "csv" {
				drop(t, inbox, name, penaltyCSV(t, envelopes))
			} else {
				writePenaltyXLSX(t, filepath.Join(inbox, "."+name), envelopes)
				if err := os.Rename(filepath.Join(inbox, "."+name), filepath.Join(inbox, name)); err != nil {
					t.Fatal(err)
				}
			}
			runFileDrop(t, b, inbox, 0)
			lines := awaitResult(t, inbox, name, 15*time.Minute)
			checkResult(t, b, lines, envelopes, bad)
			assertStored(t, b, n-len(bad))
		})
	}
}

// A file drop stopped in the middle of a file resumes after the last
// batch it answered: the result has one line per row, every record is
// stored once.
func TestFileDropResumes(t *testing.T) {
	b := setup(t, options{})
	inbox := t.TempDir()
	const n = 3000
	envelopes, bad := penaltyRows(b, "resume", n)
	drop(t, inbox, "penalties-resume.csv", penaltyCSV(t, envelopes))
	for range 2 {
		before := b.count(`SELECT count(*) FROM record_heads`)
		stop := runFileDrop(t, b, inbox, 100)
		wait.For(t, time.Minute, "more records admitted", func() bool {
			return b.count(`SELECT count(*) FROM record_heads`) > before
		})
		stop()
	}
	if _, err := os.Stat(filepath.Join(inbox, filedrop.Processing, "penalties-resume.csv")); err != nil {
		t.Fatalf("the file is not in processing/ after a stop mid-file: %v", err)
	}
	runFileDrop(t, b, inbox, 100)
	lines := awaitResult(t, inbox, "penalties-resume.csv", 5*time.Minute)
	checkResult(t, b, lines, envelopes, bad)
	assertStored(t, b, n-len(bad))
}

// A file that cannot be read goes to failed/ with a result saying why,
// and the files after it are read.
func TestFileDropFailedFiles(t *testing.T) {
	b := setup(t, options{})
	inbox := t.TempDir()
	drop(t, inbox, "penalties-1-columns.csv", []byte("案件编号,当事人姓名\r\nA-1,王小明\r\n"))
	drop(t, inbox, "licences-2.csv", penaltyCSV(t, nil))
	drop(t, inbox, "penalties-3.txt", []byte("案件编号\r\n"))
	envelopes, _ := penaltyRows(b, "after", 3)
	drop(t, inbox, "penalties-4.csv", penaltyCSV(t, envelopes))
	runFileDrop(t, b, inbox, 0)
	lines := awaitResult(t, inbox, "penalties-4.csv", time.Minute)
	checkResult(t, b, lines, envelopes, nil)

	for name, code := range map[string]string{
		"penalties-1-columns.csv": filedrop.CodeMissingColumns,
		"licences-2.csv":          filedrop.CodeNoMapping,
		"penalties-3.txt":         filedrop.CodeFormat,
	} {
		lines, ok := readResult(t, filepath.Join(inbox, filedrop.Failed), name)
		if !ok || len(lines) != 1 || lines[0].status != "failed" || lines[0].code != code {
			t.Errorf("%s: result %+v, want one line failed with %s", name, lines, code)
		}
	}
	lines, _ = readResult(t, filepath.Join(inbox, filedrop.Failed), "penalties-1-columns.csv")
	if got := lines[0].column; got != "决定书文号 | 原因 | 处罚依据 | 处罚决定日期 | 处罚机关 | 处罚机关统一社会信用代码 | 处罚种类 | 操作 | 罚款金额（元） | 身份证号码 | 违法事实 | 违法情节" {
		t.Errorf("missing columns named %q", got)
	}
}

// BenchmarkFileDrop reads b.N penalties from a GB18030 CSV file and from an
// XLSX file, from the drop until the result is in done/ (batches of 500,
// one after the other), and submits the same records over HTTP in batches
// of 500 from one client: one department's rate each way, every record new
// to the hub. An op is one record.
//
//	go test -run '^$' -bench FileDrop -benchtime 100000x ./hub/
func BenchmarkFileDrop(b *testing.B) {
	bb := setup(b, options{noSink: true})
	bb.submitAll(b, bb.submissions(1, 1), 1) // connect to the brokers
	for _, kind := range []string{"csv", "xlsx"} {
		b.Run(kind, func(b *testing.B) {
			inbox := b.TempDir()
			name := "penalties-bench." + kind
			envelopes := make([]map[string]any, b.N)
			for i, id := range sourceIDs(b.N) {
				envelopes[i] = envelope("administrative_penalty", "upsert", id, bb.realisticPenalty())
			}
			if kind == "csv" {
				os.WriteFile(filepath.Join(inbox, "."+name), penaltyCSV(b, envelopes), 0o644)
			} else {
				writePenaltyXLSX(b, filepath.Join(inbox, "."+name), envelopes)
			}
			runFileDrop(b, bb, inbox, 0)
			b.ResetTimer()
			if err := os.Rename(filepath.Join(inbox, "."+name), filepath.Join(inbox, name)); err != nil {
				b.Fatal(err)
			}
			lines := awaitResult(b, inbox, name, 30*time.Minute)
			b.StopTimer()
			if len(lines) != b.N || slices.ContainsFunc(lines, func(l resultLine) bool { return l.status != "accepted" }) {
				b.Fatalf("%d result lines, not all accepted; want %d accepted", len(lines), b.N)
			}
			reportRate(b)
		})
	}
	b.Run("http", func(b *testing.B) {
		bodies := bb.submissions(b.N, 500)
		b.ResetTimer()
		bb.submitAll(b, bodies, 1)
		b.StopTimer()
		reportRate(b)
	})
}
