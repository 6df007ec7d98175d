package filedrop

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"strconv"
	"strings"

	"github.com/credex/credex/connectors/intake"
	"github.com/credex/credex/connectors/tabular"
)

// ResultHeader is the header of a result file. A result file is UTF-8 with
// a byte order mark, so that Excel opens it as such, and has one line per
// row: accepted with the record's id and version, or rejected with every
// error, their columns, codes and messages each joined by " | " in the
// same order. A file that cannot be read ends with a line of status failed.
var ResultHeader = []string{"row", "status", "record_id", "version", "column", "code", "message"}

// Codes of a file that cannot be read, in its result's failed line.
const (
	CodeFormat         = "unknown_format"  // the name ends in none of .csv, .xlsx, .jsonl, .ndjson
	CodeNoMapping      = "no_mapping"      // no mapping's files pattern matches the name
	CodeMissingColumns = "missing_columns" // headers the mapping reads are not in the file
	CodeEncoding       = "bad_encoding"    // the text is not in the file's encoding
	CodeUnreadable     = "unreadable_file" // any other reason, which the message gives
)

// line is the result of one row.
type line struct {
	row     int
	receipt intake.Receipt
}

// resultFile is the result file of the file in processing/.
type resultFile struct {
	f *os.File
}

// openResult opens the result file at path, cut back to size bytes, the
// end of the last line a checkpoint counts; or started anew for size 0.
func openResult(path string, size int64) (*resultFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, err
	}
	r := &resultFile{f: f}
	if err := f.Truncate(size); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(size, 0); err != nil {
		f.Close()
		return nil, err
	}
	if size == 0 {
		if _, err := r.write([][]string{ResultHeader}, "\uFEFF"); err != nil {
			f.Close()
			return nil, err
		}
	}
	return r, nil
}

// append writes the lines, with the columns of their errors named by
// column, and returns the file's length once they are on disk.
func (r *resultFile) append(lines []line, column func(pointer string) string) (int64, error) {
	records := make([][]string, len(lines))
	for i, l := range lines {
		rc := l.receipt
		rec := []string{strconv.Itoa(l.row), rc.Status, rc.RecordID, "", "", "", ""}
		var columns, codes, messages []string
		if rc.Status == "accepted" {
			rec[3] = strconv.Itoa(rc.Version)
			// That it was unchanged, and what the hub rewrote, are listed
			// as a rejection's errors are: a code, its column, a sentence.
			if rc.Unchanged {
				columns, codes, messages = append(columns, ""), append(codes, "unchanged"), append(messages, "the hub already holds this content")
			}
			for _, n := range rc.Normalized {
				columns, codes, messages = append(columns, column(n.Pointer)), append(codes, n.Rule), append(messages, n.Message)
			}
		}
		for _, fe := range rc.Errors {
			columns = append(columns, column(fe.Pointer))
			codes = append(codes, fe.Code)
			messages = append(messages, fe.Message)
		}
		rec[4], rec[5], rec[6] = strings.Join(columns, " | "), strings.Join(codes, " | "), strings.Join(messages, " | ")
		records[i] = rec
	}
	return r.write(records, "")
}

// failed writes the line of a file that cannot be read after row.
func (r *resultFile) failed(row int, err error) error {
	rec := []string{"", "failed", "", "", "", CodeUnreadable, err.Error()}
	if row > 0 {
		rec[0] = strconv.Itoa(row + 1)
	}
	var missing *tabular.MissingColumnsError
	switch {
	case errors.As(err, &missing):
		rec[0], rec[4], rec[5] = "1", strings.Join(missing.Columns, " | "), CodeMissingColumns
	case errors.Is(err, tabular.ErrFormat):
		rec[5] = CodeFormat
	case errors.Is(err, errNoMapping):
		rec[5] = CodeNoMapping
	case errors.Is(err, tabular.ErrEncoding):
		rec[5] = CodeEncoding
	}
	_, werr := r.write([][]string{rec}, "")
	return werr
}

// write writes prefix and records, syncs, and returns the file's length.
func (r *resultFile) write(records [][]string, prefix string) (int64, error) {
	var b bytes.Buffer
	b.WriteString(prefix)
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	w.WriteAll(records) // a bytes.Buffer takes every write
	if _, err := r.f.Write(b.Bytes()); err != nil {
		return 0, err
	}
	if err := r.f.Sync(); err != nil {
		return 0, err
	}
	return r.f.Seek(0, 1)
}

func (r *resultFile) Close() error { return r.f.Close() }
