package source

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/credex/credex/catalog"
)

// Mapping turns the rows of one record type into envelopes: each column,
// named by its header, goes to a place in the envelope.
type Mapping struct {
	// Type is the record type of the rows.
	Type string `yaml:"type"`
	// Files selects, in a file drop, the files of this type by a pattern of
	// their names (path.Match, e.g. "penalty-*.csv"); default every file.
	Files string `yaml:"files"`
	// Columns maps headers to where their cells go.
	Columns map[string]Column `yaml:"columns"`
}

// Column says where a column's cells go in the envelope and how to read
// them. Written in the file either as the pointer alone or in full.
type Column struct {
	// To is a JSON pointer into the envelope: /source_id, /op, /reason or
	// a place under /data, such as /data/subject/id_number.
	To string `yaml:"to"`
	// As reads the cell: text (the default), number, integer, boolean,
	// date, list (an array of texts), or json (a JSON value, placed as it
	// is; a json column may go to /data itself).
	As string `yaml:"as"`
	// Date is the pattern of a date cell, of YYYY, MM or M, DD or D and
	// literal characters (YYYY/M/D, YYYY年M月D日); default YYYY-MM-DD. Dates
	// are written to the envelope as YYYY-MM-DD.
	Date string `yaml:"date"`
	// Separators split a list cell; default 、,;，；
	Separators string `yaml:"separators"`
	// Values replaces whole cells (after trimming), such as 罚款: fine.
	Values map[string]string `yaml:"values"`
}

func (c *Column) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		c.To = n.Value
		return nil
	}
	type plain Column
	return n.Decode((*plain)(c))
}

// CodeInvalidCell is the error code of a cell that cannot be read as its
// column says.
const CodeInvalidCell = "invalid_cell"

func (m *Mapping) validate(knownType func(string) bool) error {
	switch {
	case !knownType(m.Type):
		return fmt.Errorf(".type: %q is not a record type of the catalogue", m.Type)
	case len(m.Columns) == 0:
		return fmt.Errorf(".columns: none listed")
	}
	if _, err := path.Match(m.Files, ""); err != nil {
		return fmt.Errorf(".files: %q is not a file name pattern", m.Files)
	}
	to := map[string]string{}
	for _, header := range slices.Sorted(maps.Keys(m.Columns)) {
		c := m.Columns[header]
		at := fmt.Sprintf(".columns[%s]", header)
		switch {
		case c.To != "/source_id" && c.To != "/op" && c.To != "/reason" && !strings.HasPrefix(c.To, "/data/") && !(c.To == "/data" && c.As == "json"):
			return fmt.Errorf("%s.to: %q is not /source_id, /op, /reason or a place under /data/ (or /data for as: json)", at, c.To)
		case to[c.To] != "":
			return fmt.Errorf("%s.to: %s is also where column %s goes", at, c.To, to[c.To])
		case !slices.Contains([]string{"", "text", "number", "integer", "boolean", "date", "list", "json"}, c.As):
			return fmt.Errorf("%s.as: %q is not text, number, integer, boolean, date, list or json", at, c.As)
		case c.Date != "" && c.As != "date":
			return fmt.Errorf("%s.date: a date pattern is for as: date", at)
		}
		for p := range to {
			if strings.HasPrefix(c.To, p+"/") || strings.HasPrefix(p, c.To+"/") {
				return fmt.Errorf("%s.to: %s and %s, where column %s goes, overlap", at, c.To, p, to[p])
			}
		}
		to[c.To] = header
	}
	if to["/source_id"] == "" {
		return fmt.Errorf(".columns: no column goes to /source_id, the department's own id of a record")
	}
	return nil
}

// Headers are the columns the mapping reads, sorted.
func (m *Mapping) Headers() []string { return slices.Sorted(maps.Keys(m.Columns)) }

// Envelope builds the envelope of one row; cell gives the text of a column
// of the row, and whether the row has it. Empty cells are left out. Cells
// that cannot be read as their column says are errors with code
// invalid_cell, pointing where the cell would go; their messages name the
// column and never the value. A row whose op is revoke gives no data: its
// cells under /data are left out.
func (m *Mapping) Envelope(cell func(header string) (string, bool)) (json.RawMessage, []catalog.FieldError) {
	env := map[string]any{"type": m.Type, "data": map[string]any{}}
	var errs []catalog.FieldError
	for _, header := range m.Headers() {
		c := m.Columns[header]
		text, ok := cell(header)
		text = strings.TrimFunc(text, unicode.IsSpace)
		if !ok || text == "" {
			continue
		}
		if v, ok := c.Values[text]; ok {
			text = v
		}
		v, err := c.read(text)
		if err != nil {
			errs = append(errs, catalog.FieldError{Code: CodeInvalidCell, Pointer: c.To,
				Message: fmt.Sprintf("column %s: %s", header, err)})
			continue
		}
		place(env, c.To, v)
	}
	if env["op"] == "revoke" { // a revocation carries no content
		delete(env, "data")
		errs = slices.DeleteFunc(errs, func(fe catalog.FieldError) bool {
			return fe.Pointer == "/data" || strings.HasPrefix(fe.Pointer, "/data/")
		})
	}
	raw, err := json.Marshal(env)
	if err != nil { // texts, numbers and maps always encode
		panic(err)
	}
	return raw, errs
}

// Column returns the header of the column whose cells go to pointer, or to
// a place holding it; "" when none does.
func (m *Mapping) Column(pointer string) string {
	for header, c := range m.Columns {
		if pointer == c.To || strings.HasPrefix(pointer, c.To+"/") {
			return header
		}
	}
	return ""
}

func (c Column) read(text string) (any, error) {
	switch c.As {
	case "number":
		s := separators.Replace(text)
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || strings.ContainsAny(s, "xXpPnNiI_") {
			return nil, fmt.Errorf("not a number")
		}
		return json.Number(strconv.FormatFloat(f, 'f', -1, 64)), nil
	case "integer":
		n, err := strconv.ParseInt(separators.Replace(text), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("not a whole number")
		}
		return n, nil
	case "boolean":
		switch strings.ToLower(text) {
		case "true", "t", "yes", "y", "1", "是":
			return true, nil
		case "false", "f", "no", "n", "0", "否":
			return false, nil
		}
		return nil, fmt.Errorf("not one of true/false, yes/no, 1/0, 是/否")
	case "date":
		d, err := time.Parse(c.DateLayout(), text)
		if err != nil {
			return nil, fmt.Errorf("not a date written %s", cmp.Or(c.Date, "YYYY-MM-DD"))
		}
		return d.Format(time.DateOnly), nil
	case "json":
		if !json.Valid([]byte(text)) {
			return nil, fmt.Errorf("not JSON")
		}
		return json.RawMessage(text), nil
	case "list":
		seps := c.Separators
		if seps == "" {
			seps = "、,;，；"
		}
		var items []string
		for _, item := range strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
			if item = strings.TrimFunc(item, unicode.IsSpace); item != "" {
				if v, ok := c.Values[item]; ok {
					item = v
				}
				items = append(items, item)
			}
		}
		return items, nil
	}
	return text, nil
}

// DateLayout is the layout, of package time, of the column's date pattern.
func (c Column) DateLayout() string { return dateLayout(cmp.Or(c.Date, "YYYY-MM-DD")) }

var (
	// separators are the thousands separators of numbers in cells.
	separators = strings.NewReplacer(",", "", "，", "", " ", "")
	// datePattern turns the parts of a date pattern into those of a layout.
	datePattern     = strings.NewReplacer("YYYY", "2006", "MM", "01", "M", "1", "DD", "02", "D", "2")
	pointerUnescape = strings.NewReplacer("~1", "/", "~0", "~")
)

// dateLayout turns a date pattern into a layout of package time.
func dateLayout(pattern string) string {
	return datePattern.Replace(pattern)
}

// place sets the value at pointer in the nested maps of env, making the
// maps on the way.
func place(env map[string]any, pointer string, v any) {
	keys := strings.Split(pointer[1:], "/")
	m := env
	for i, k := range keys {
		k = pointerUnescape.Replace(k)
		if i == len(keys)-1 {
			m[k] = v
			return
		}
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
}
