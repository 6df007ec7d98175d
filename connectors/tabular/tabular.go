package tabular

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/connectors/source"
)

// Reader reads the rows of one file in order.
type Reader interface {
	// Next returns the next row, or io.EOF after the last. Rows whose cells
	// are all empty are skipped. Any other error means the rest of the file
	// cannot be read.
	Next() (Row, error)
	Close() error
}

// Row is one row of a file.
type Row struct {
	// Number is the row's place in the file: 1 is the header of a table, a
	// line's number in JSON Lines.
	Number int
	cells  []string
	// columns gives a header's cell index; nil for JSON Lines.
	columns map[string]int
	// line is the envelope of a JSON Lines row.
	line json.RawMessage
}

// Cell returns the text of the row's cell under header, and whether the
// file has such a column and the row reaches it.
func (r Row) Cell(header string) (string, bool) {
	i, ok := r.columns[header]
	if !ok || i >= len(r.cells) {
		return "", false
	}
	return r.cells[i], true
}

// Envelope returns the row's envelope: the line itself for JSON Lines, or
// the row mapped by m, with the errors of cells m cannot read.
func (r Row) Envelope(m *source.Mapping) (json.RawMessage, []catalog.FieldError) {
	if r.columns == nil {
		return r.line, nil
	}
	return m.Envelope(r.Cell)
}

// Options say how to read a file.
type Options struct {
	// Encoding of a CSV file: auto (the default), utf-8 or gb18030.
	Encoding string
	// Mapping, for a table, names the headers the file must have, and the
	// date columns whose XLSX serial dates are written as its pattern says.
	Mapping *source.Mapping
}

// Errors that make a whole file unreadable.
var (
	// ErrFormat: the file's name says none of the formats read.
	ErrFormat = errors.New("not a CSV, XLSX or JSON Lines file (.csv, .xlsx, .jsonl or .ndjson)")
	// ErrEncoding: the file's text is not in its encoding.
	ErrEncoding = errors.New("text not in the file's encoding")
	// ErrRowTooLarge: a row holds more than MaxRow bytes of text.
	ErrRowTooLarge = fmt.Errorf("longer than %d bytes, the most a row may be", MaxRow)
)

// MaxRow bounds the text of one row, or one line of JSON Lines, so that a
// file never makes the hub hold more than a batch of bounded rows.
const MaxRow = 1 << 20

// XLSX workbooks are unzipped up to these sizes (excelize.Options): in
// all, and of one XML part held in memory.
const (
	maxUnzipped    = 1 << 30
	maxUnzippedXML = 16 << 20
)

// MissingColumnsError says which headers a mapping reads that a file lacks.
type MissingColumnsError struct {
	Columns []string
}

func (e *MissingColumnsError) Error() string {
	return "missing columns: " + strings.Join(e.Columns, ", ")
}

// Kind is the format a file's name says: "csv", "xlsx", "jsonl", or ""
// for none of them.
func Kind(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return "csv"
	case ".xlsx":
		return "xlsx"
	case ".jsonl", ".ndjson":
		return "jsonl"
	}
	return ""
}

// Open opens the file at path, in the format its name says. A table needs
// o.Mapping.
func Open(path string, o Options) (Reader, error) {
	switch Kind(path) {
	case "csv":
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		r, err := NewCSV(f, o)
		if err != nil {
			f.Close()
			return nil, err
		}
		return closer{r, f}, nil
	case "xlsx":
		return OpenXLSX(path, o)
	case "jsonl":
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		return closer{NewJSONL(f), f}, nil
	}
	return nil, ErrFormat
}

// closer closes the file under a reader.
type closer struct {
	Reader
	f io.Closer
}

func (c closer) Close() error { return errors.Join(c.Reader.Close(), c.f.Close()) }

// columns indexes a header row and checks that it has every header m reads.
func columns(header []string, m *source.Mapping) (map[string]int, error) {
	if m == nil {
		return nil, fmt.Errorf("a table needs a mapping")
	}
	index := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF"))
		if _, dup := index[h]; !dup {
			index[h] = i
		}
	}
	var missing []string
	for _, h := range m.Headers() {
		if _, ok := index[h]; !ok {
			missing = append(missing, h)
		}
	}
	if missing != nil {
		return nil, &MissingColumnsError{Columns: missing}
	}
	return index, nil
}

func empty(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

var (
	_ Reader = (*CSV)(nil)
	_ Reader = (*XLSX)(nil)
	_ Reader = (*JSONL)(nil)
)
