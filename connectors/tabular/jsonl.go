package tabular

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// JSONL reads JSON Lines: each line that is not blank is an envelope, as
// is, numbered by its line.
type JSONL struct {
	s *bufio.Scanner
	n int
}

// NewJSONL reads the lines of r.
func NewJSONL(r io.Reader) *JSONL {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64<<10), MaxRow)
	return &JSONL{s: s}
}

func (j *JSONL) Next() (Row, error) {
	for j.s.Scan() {
		j.n++
		line := bytes.TrimSpace(j.s.Bytes())
		if len(line) > 0 {
			return Row{Number: j.n, line: json.RawMessage(bytes.Clone(line))}, nil
		}
	}
	if err := j.s.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			err = ErrRowTooLarge
		}
		return Row{}, fmt.Errorf("line %d: %w", j.n+1, err)
	}
	return Row{}, io.EOF
}

func (j *JSONL) Close() error { return nil }
