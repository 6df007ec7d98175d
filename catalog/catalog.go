package catalog

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"

	"gopkg.in/yaml.v3"
)

// ManifestFile is the name of the manifest at the root of a catalogue.
const ManifestFile = "catalog.yaml"

// Catalog is a loaded catalogue: a set of record types by code. It is
// immutable and safe for concurrent use.
type Catalog struct {
	types  map[string]*RecordType
	sorted []*RecordType
}

// manifest is the shape of catalog.yaml.
type manifest struct {
	Types []entry `yaml:"types"`
}

// entry is one record type in the manifest: its metadata, and the file name
// of its schema instead of the schema itself.
type entry struct {
	RecordType `yaml:",inline"`
	SchemaFile string `yaml:"schema"`
}

var codePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Load reads a catalogue from fsys: the manifest catalog.yaml at its root,
// the schema file each entry names and examples/<code>/valid.json for each
// type. fsys is typically schemas.FS or os.DirFS("schemas").
//
// The manifest is parsed strictly: unknown keys are errors. Load checks every
// entry (code, names, class, disclosure, departments, compatibility,
// version, display rules), compiles every schema against the draft-07
// meta-schema and validates every example; it reports all problems found,
// joined, each naming the file and field. On success every type is ready for
// Validate.
func Load(fsys fs.FS) (*Catalog, error) {
	raw, err := fs.ReadFile(fsys, ManifestFile)
	if err != nil {
		return nil, fmt.Errorf("load catalogue: %w", err)
	}
	var m manifest
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("load catalogue: %s: %w", ManifestFile, err)
	}
	if len(m.Types) == 0 {
		return nil, fmt.Errorf("load catalogue: %s: types: no record types", ManifestFile)
	}

	c := &Catalog{types: make(map[string]*RecordType, len(m.Types))}
	var errs []error
	for i, e := range m.Types {
		t, err := loadType(fsys, e)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: types[%d] (%s): %w", ManifestFile, i, cmp.Or(e.Code, "no code"), err))
			continue
		}
		if _, dup := c.types[t.Code]; dup {
			errs = append(errs, fmt.Errorf("%s: types[%d]: code %q is listed twice", ManifestFile, i, t.Code))
			continue
		}
		c.types[t.Code] = t
		c.sorted = append(c.sorted, t)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("load catalogue: %w", err)
	}
	slices.SortFunc(c.sorted, func(a, b *RecordType) int { return cmp.Compare(a.Code, b.Code) })
	return c, nil
}

// loadType checks one manifest entry and loads its schema and example.
func loadType(fsys fs.FS, e entry) (*RecordType, error) {
	t := e.RecordType
	t.Compatibility = cmp.Or(t.Compatibility, Backward)
	if err := t.checkMetadata(); err != nil {
		return nil, err
	}
	if e.SchemaFile == "" {
		return nil, errors.New("schema: missing")
	}
	schema, err := fs.ReadFile(fsys, e.SchemaFile)
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	if err := t.compile(schema); err != nil {
		return nil, fmt.Errorf("schema %s: %w", e.SchemaFile, err)
	}
	exampleFile := path.Join("examples", t.Code, "valid.json")
	example, err := fs.ReadFile(fsys, exampleFile)
	if err != nil {
		return nil, fmt.Errorf("example: %w", err)
	}
	if err := t.checkExample(example); err != nil {
		return nil, fmt.Errorf("example %s: %w", exampleFile, err)
	}
	t.Example = json.RawMessage(example)
	return &t, nil
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
