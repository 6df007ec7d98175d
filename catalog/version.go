package catalog

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
)

// ParseType reads a record type from its JSON form, as the catalogue API
// serves it and as the version registry stores it (rules, schema and
// example in one document), and checks it as Load checks a manifest entry.
func ParseType(doc []byte) (*RecordType, error) {
	var t RecordType
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("record type: %w", err)
	}
	t.Compatibility = cmp.Or(t.Compatibility, Backward)
	if err := t.checkMetadata(); err != nil {
		return nil, fmt.Errorf("record type %q: %w", t.Code, err)
	}
	if len(t.Schema) == 0 {
		return nil, fmt.Errorf("record type %q: schema: missing", t.Code)
	}
	if err := t.compile(t.Schema); err != nil {
		return nil, fmt.Errorf("record type %q: schema: %w", t.Code, err)
	}
	if len(t.Example) == 0 {
		return nil, fmt.Errorf("record type %q: example: missing", t.Code)
	}
	if err := t.checkExample(t.Example); err != nil {
		return nil, fmt.Errorf("record type %q: example: %w", t.Code, err)
	}
	return &t, nil
}

// TypeVersion returns the record type with the given code if its version is
// version. A catalogue loaded from files holds one version of each type.
func (c *Catalog) TypeVersion(code string, version int) (*RecordType, bool) {
	t, ok := c.types[code]
	if !ok || t.Version != version {
		return nil, false
	}
	return t, true
}
