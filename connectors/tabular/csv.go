package tabular

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// CSV reads a CSV file with a header row. Row numbers count records: a
// cell quoted over several lines is one row, and blank lines are skipped
// without a number.
type CSV struct {
	r        *csv.Reader
	limit    *rowLimit
	columns  map[string]int
	n        int
	encoding string
}

// sniff is how much of a file auto detection looks at.
const sniff = 64 << 10

// NewCSV reads the header of r and checks it against o.Mapping.
func NewCSV(r io.Reader, o Options) (*CSV, error) {
	br := bufio.NewReaderSize(r, sniff)
	enc := o.Encoding
	if enc == "" || enc == "auto" {
		enc = detect(br)
	}
	var text io.Reader = br
	switch enc {
	case "utf-8":
		if bom, _ := br.Peek(3); string(bom) == "\uFEFF" {
			br.Discard(3)
		}
	case "gb18030":
		text = simplifiedchinese.GB18030.NewDecoder().Reader(br)
	default:
		return nil, fmt.Errorf("encoding %q is not auto, utf-8 or gb18030", o.Encoding)
	}
	c := &CSV{limit: &rowLimit{r: text}, encoding: enc}
	c.r = csv.NewReader(c.limit)
	c.r.FieldsPerRecord = -1
	header, err := c.record()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("no header row")
	}
	if err != nil {
		return nil, err
	}
	if c.columns, err = columns(header, o.Mapping); err != nil {
		return nil, err
	}
	return c, nil
}

// Encoding is the encoding the file is read in: utf-8 or gb18030.
func (c *CSV) Encoding() string { return c.encoding }

func (c *CSV) Next() (Row, error) {
	for {
		cells, err := c.record()
		if err != nil {
			return Row{}, err
		}
		if !empty(cells) {
			return Row{Number: c.n, cells: cells, columns: c.columns}, nil
		}
	}
}

func (c *CSV) Close() error { return nil }

// record reads the next record and checks its text: invalid UTF-8, or
// bytes GB18030 cannot decode (which come out as U+FFFD), stop the file.
func (c *CSV) record() ([]string, error) {
	c.limit.n = 0
	cells, err := c.r.Read()
	if errors.Is(err, io.EOF) {
		return nil, io.EOF
	}
	c.n++
	if err != nil {
		return nil, fmt.Errorf("row %d: %w", c.n, err)
	}
	size := 0
	for _, cell := range cells {
		if size += len(cell); size > MaxRow {
			return nil, fmt.Errorf("row %d: %w", c.n, ErrRowTooLarge)
		}
		if !utf8.ValidString(cell) || c.encoding == "gb18030" && strings.ContainsRune(cell, utf8.RuneError) {
			return nil, fmt.Errorf("row %d: %w (%s)", c.n, ErrEncoding, c.encoding)
		}
	}
	return cells, nil
}

// detect says utf-8 when the first 64 KiB of br are valid UTF-8, a
// character cut at the end of them aside, and gb18030 otherwise.
func detect(br *bufio.Reader) string {
	head, err := br.Peek(sniff)
	if err == nil { // more follows: the last character may be cut
		for i := 1; i <= utf8.UTFMax-1 && i <= len(head); i++ {
			if utf8.RuneStart(head[len(head)-i]) {
				if !utf8.FullRune(head[len(head)-i:]) {
					head = head[:len(head)-i]
				}
				break
			}
		}
	}
	if utf8.Valid(head) {
		return "utf-8"
	}
	return "gb18030"
}

// rowLimit fails reading once a row has taken more than MaxRow bytes: the
// CSV reader would hold a whole record, however long, before it returns
// it. The count restarts at each record, give or take what the CSV reader
// buffered ahead; record checks the exact length of what it returns.
type rowLimit struct {
	r io.Reader
	n int
}

func (l *rowLimit) Read(p []byte) (int, error) {
	if l.n > MaxRow {
		return 0, ErrRowTooLarge
	}
	n, err := l.r.Read(p)
	l.n += n
	return n, err
}
