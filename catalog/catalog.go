package catalog

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// The files at the root of a catalogue.
const (
	ManifestFile    = "catalog.yaml"     // the record types
	DepartmentsFile = "departments.yaml" // the department registry
)

// Catalog is a loaded catalogue: a set of record types by code and the
// registry of the departments responsible for them. It is immutable and
// safe for concurrent use.
type Catalog struct {
	types       map[string]*RecordType
	sorted      []*RecordType
	departments []Department
}

// Department is one entry of the department registry: a kind of
// department that publishes records, such as the tax authority.
type Department struct {
	// Code is what record types' departments lists name, such as "tax".
	Code   string `yaml:"code" json:"code"`
	NameZH string `yaml:"name_zh" json:"name_zh"`
	NameEN string `yaml:"name_en" json:"name_en"`
}

// Load reads a catalogue from fsys: the manifest catalog.yaml and the
// department registry departments.yaml at its root, the schema file each
// manifest entry names and the examples under examples/<code>/. fsys is
// typically schemas.FS or os.DirFS("schemas").
//
// Load refuses a catalogue in which Lint finds any problem; its error lists
// them all, one a line, as FILE:POINTER: message. On success every type is
// ready for Validate.
func Load(fsys fs.FS) (*Catalog, error) {
	c, problems := build(fsys)
	if len(problems) > 0 {
		lines := make([]string, len(problems))
		for i, p := range problems {
			lines[i] = p.String()
		}
		return nil, fmt.Errorf("load catalogue: %d problems:\n%s", len(problems), strings.Join(lines, "\n"))
	}
	return c, nil
}

// Type returns the record type with the given code, and whether there is one.
func (c *Catalog) Type(code string) (*RecordType, bool) {
	t, ok := c.types[code]
	return t, ok
}

// Types returns every record type, sorted by code. The slice is the
// caller's; the record types are shared and must not be modified.
func (c *Catalog) Types() []*RecordType {
	return slices.Clone(c.sorted)
}

// Department returns the registry entry with the given code, and whether
// there is one.
func (c *Catalog) Department(code string) (Department, bool) {
	i, ok := slices.BinarySearchFunc(c.departments, code, func(d Department, code string) int {
		return strings.Compare(d.Code, code)
	})
	if !ok {
		return Department{}, false
	}
	return c.departments[i], true
}
