package catalog

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/xeipuuv/gojsonschema"
	"gopkg.in/yaml.v3"
)

// Problem is one defect of a catalogue.
type Problem struct {
	// File is the path of the file at fault inside the catalogue, such as
	// "catalog.yaml" or "examples/administrative_penalty/valid.json".
	File string `json:"file"`
	// Pointer is the JSON pointer (RFC 6901) of the value at fault inside
	// File; for a YAML file, into the data it holds ("/types/2/class").
	// Empty when the whole file is at fault.
	Pointer string `json:"pointer"`
	// Message says what is wrong, in a sentence that tells what to fix.
	Message string `json:"message"`
}

// String formats p as FILE:POINTER: message, or FILE: message when the
// whole file is at fault.
func (p Problem) String() string {
	if p.Pointer == "" {
		return p.File + ": " + p.Message
	}
	return p.File + ":" + p.Pointer + ": " + p.Message
}

// Lint checks the catalogue in fsys and returns every problem it finds,
// ordered by file and, within a file, as found; nil when there is none.
// It checks that:
//
//   - the manifest and the department registry are YAML without unknown keys;
//   - record type codes are unique and well formed, and names present;
//   - class, disclosure, compatibility, sharing scope and usage take values
//     of the catalogue's closed vocabularies, and agree with each other
//     (public disclosure exactly when shared with the public; joint rewards
//     for positive types, joint punishment for negative ones only);
//   - every responsible department is in the registry;
//   - display periods have 0 <= min_months <= max_months, at most 60 months
//     for negative and serious dishonesty types, which must set them, and
//     one period per value of the field that selects them;
//   - every schema compiles (draft-07), has the common shape (subject,
//     decision with its authority), requires every field the type's
//     requires lists, and describes every property;
//   - every example passes or fails exactly as labelled: valid.json without
//     error, invalid-<what>.json with exactly its expected code at its
//     expected pointer;
//   - no examples directory or schema file belongs to no record type.
func Lint(fsys fs.FS) []Problem {
	_, problems := build(fsys)
	return problems
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

// registry is the shape of departments.yaml.
type registry struct {
	Departments []Department `yaml:"departments"`
}

var (
	codePattern     = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	requiresPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`)
)

// commonShape lists the fields every record type requires, because the
// pipeline reads them from every record, and the format of some of them.
var commonShape = []struct{ path, format string }{
	{"subject.name", ""},
	{"subject.id_number", FormatCitizenID},
	{"decision.document_no", ""},
	{"decision.date", "date"},
	{"decision.authority.name", ""},
	{"decision.authority.credit_code", FormatCreditCode},
}

// builder collects the problems of a catalogue while it loads it.
type builder struct {
	fsys     fs.FS
	manifest string // the name of the file rules are read from
	problems []Problem
}

// err joins the problems found, or is nil.
func (b *builder) err() error {
	if len(b.problems) == 0 {
		return nil
	}
	lines := make([]string, len(b.problems))
	for i, p := range b.problems {
		lines[i] = p.String()
	}
	return errors.New(strings.Join(lines, "; "))
}

func (b *builder) add(file, pointer, format string, args ...any) {
	b.problems = append(b.problems, Problem{File: file, Pointer: pointer, Message: fmt.Sprintf(format, args...)})
}

// build loads the catalogue in fsys, and returns it when it has no problem.
func build(fsys fs.FS) (*Catalog, []Problem) {
	b := &builder{fsys: fsys, manifest: ManifestFile}
	c := &Catalog{types: map[string]*RecordType{}, departments: b.departments()}
	known := map[string]bool{}
	for _, d := range c.departments {
		known[d.Code] = true
	}
	entries := decodeList[entry](b, ManifestFile, reflect.TypeFor[manifest](), "types")
	first := map[string]int{}
	schemaFiles := map[string]bool{}
	for i, e := range entries {
		if e == nil {
			continue
		}
		at := fmt.Sprintf("/types/%d", i)
		if j, dup := first[e.Code]; dup {
			b.add(ManifestFile, at+"/code", "%q is listed twice, also at /types/%d; codes must be unique", e.Code, j)
			continue
		}
		first[e.Code] = i
		if e.SchemaFile != "" {
			schemaFiles[e.SchemaFile] = true
		}
		if t := b.recordType(at, e, known); t != nil {
			c.types[t.Code] = t
			c.sorted = append(c.sorted, t)
		}
	}
	b.orphans(first, schemaFiles)
	if len(b.problems) > 0 {
		slices.SortStableFunc(b.problems, func(a, b Problem) int { return cmp.Compare(a.File, b.File) })
		return nil, b.problems
	}
	slices.SortFunc(c.sorted, func(a, b *RecordType) int { return cmp.Compare(a.Code, b.Code) })
	return c, nil
}

// departments reads and checks the department registry.
func (b *builder) departments() []Department {
	var out []Department
	seen := map[string]bool{}
	for i, d := range decodeList[Department](b, DepartmentsFile, reflect.TypeFor[registry](), "departments") {
		if d == nil {
			continue
		}
		at := fmt.Sprintf("/departments/%d", i)
		switch {
		case !codePattern.MatchString(d.Code):
			b.add(DepartmentsFile, at+"/code", "%q is not a code: lowercase letters, digits and underscores, starting with a letter", d.Code)
		case seen[d.Code]:
			b.add(DepartmentsFile, at+"/code", "%q is listed twice; codes must be unique", d.Code)
		}
		seen[d.Code] = true
		b.names(DepartmentsFile, at, d.NameZH, d.NameEN)
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b Department) int { return cmp.Compare(a.Code, b.Code) })
	return out
}

func (b *builder) names(file, at, zh, en string) {
	if strings.TrimSpace(zh) == "" {
		b.add(file, at+"/name_zh", "missing: give the Chinese name")
	}
	if strings.TrimSpace(en) == "" {
		b.add(file, at+"/name_en", "missing: give the English name")
	}
}

// decodeList reads file, a YAML mapping whose shape is doc, checks it has
// no key doc does not define, and decodes the items of its list under key
// one by one, so that a bad item hides no other. An item that cannot be
// decoded is nil.
func decodeList[T any](b *builder, file string, doc reflect.Type, key string) []*T {
	raw, err := fs.ReadFile(b.fsys, file)
	if err != nil {
		b.add(file, "", "cannot be read: %v", err)
		return nil
	}
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		b.add(file, "", "not YAML: %v", err)
		return nil
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		b.add(file, "", "must be a mapping with the key %s", key)
		return nil
	}
	b.unknownKeys(file, root.Content[0], doc, "")
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content[0].Content); i += 2 {
		if root.Content[0].Content[i].Value == key {
			list = root.Content[0].Content[i+1]
		}
	}
	if list == nil || list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
		b.add(file, "/"+key, "missing: list at least one")
		return nil
	}
	out := make([]*T, len(list.Content))
	for i, n := range list.Content {
		var v T
		if err := n.Decode(&v); err != nil {
			b.add(file, fmt.Sprintf("/%s/%d", key, i), "%s", strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:\n  "))
			continue
		}
		out[i] = &v
	}
	return out
}

// unknownKeys reports every key of the YAML node n that the Go type t,
// which n decodes into, does not define.
func (b *builder) unknownKeys(file string, n *yaml.Node, t reflect.Type, at string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			ft, ok := fields[key]
			if !ok {
				hint := ""
				if key == "legal_basis_required" {
					hint = "; list legal_basis in requires instead"
				}
				b.add(file, at+"/"+escape(key), "unknown key %q (line %d)%s", key, n.Content[i].Line, hint)
				continue
			}
			b.unknownKeys(file, n.Content[i+1], ft, at+"/"+escape(key))
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, item := range n.Content {
			b.unknownKeys(file, item, t.Elem(), fmt.Sprintf("%s/%d", at, i))
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			b.unknownKeys(file, n.Content[i+1], t.Elem(), at+"/"+escape(n.Content[i].Value))
		}
	}
}

// yamlFields maps the YAML keys of struct type t to their types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case opts == "inline":
			maps.Copy(fields, yamlFields(f.Type))
		case name == "-" || !f.IsExported():
		default:
			fields[cmp.Or(name, strings.ToLower(f.Name))] = f.Type
		}
	}
	return fields
}

// recordType checks the manifest entry at pointer at and loads its schema
// and examples. It returns nil when the type cannot be used.
func (b *builder) recordType(at string, e *entry, departments map[string]bool) *RecordType {
	t := e.RecordType
	t.Compatibility = cmp.Or(t.Compatibility, Backward)
	t.LegalBasisRequired = slices.Contains(t.Requires, "legal_basis")
	b.metadata(at, &t, departments)

	if e.SchemaFile == "" {
		b.add(ManifestFile, at+"/schema", "missing: name the type's JSON Schema file")
		return nil
	}
	raw, err := fs.ReadFile(b.fsys, e.SchemaFile)
	if err != nil {
		b.add(ManifestFile, at+"/schema", "cannot read %s: %v", e.SchemaFile, err)
		return nil
	}
	if !b.schema(at, e.SchemaFile, raw, &t) {
		return nil
	}
	b.examples(&t)
	return &t
}

// schema checks raw, the schema of t from file, and compiles it into t. It
// reports false when it does not compile.
func (b *builder) schema(at, file string, raw []byte, t *RecordType) bool {
	var schema map[string]any
	if err := json.Unmarshal(raw, &schema); err != nil {
		b.add(file, "", "not a JSON object: %v", err)
		return false
	}
	b.schemaShape(at, file, schema, t)
	loader := gojsonschema.NewSchemaLoader()
	loader.Draft = gojsonschema.Draft7
	loader.Validate = true
	compiled, err := loader.Compile(gojsonschema.NewBytesLoader(raw))
	if err != nil {
		b.add(file, "", "does not compile as a draft-07 JSON Schema: %s",
			strings.TrimSuffix(strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " "), ";"))
		return false
	}
	t.Schema = json.RawMessage(raw)
	t.compiled = compiled
	t.fast = compileFast(raw)
	t.formats = formatTree(schema)
	return true
}

// metadata checks the manifest fields of t, the entry at pointer at, and
// its departments against the registry unless departments is nil.
func (b *builder) metadata(at string, t *RecordType, departments map[string]bool) {
	add := func(field, format string, args ...any) { b.add(b.manifest, at+field, format, args...) }
	if !codePattern.MatchString(t.Code) {
		add("/code", "%q is not a code: lowercase letters, digits and underscores, starting with a letter", t.Code)
	}
	b.names(ManifestFile, at, t.NameZH, t.NameEN)
	if !slices.Contains(Classes, t.Class) {
		add("/class", "%q is not a class: one of %s", t.Class, list(Classes))
	}
	if !slices.Contains(disclosures, t.Disclosure) {
		add("/disclosure", "%q is not a disclosure attribute: one of %s", t.Disclosure, list(disclosures))
	}
	if !slices.Contains(compatibilities, t.Compatibility) {
		add("/compatibility", "%q is not a compatibility mode: one of %s", t.Compatibility, list(compatibilities))
	}
	if t.Version < 1 {
		add("/version", "%d is not a version: versions count from 1", t.Version)
	}
	if len(t.Departments) == 0 {
		add("/departments", "missing: list the departments responsible, by their code in %s", DepartmentsFile)
	}
	for i, d := range t.Departments {
		switch {
		case departments != nil && !departments[d]:
			add(fmt.Sprintf("/departments/%d", i), "%q is not a department of %s", d, DepartmentsFile)
		case slices.Index(t.Departments, d) < i:
			add(fmt.Sprintf("/departments/%d", i), "%q is listed twice", d)
		}
	}
	for i, r := range t.Requires {
		switch {
		case !requiresPattern.MatchString(r):
			add(fmt.Sprintf("/requires/%d", i), "%q is not a field path such as decision.document_no", r)
		case slices.Index(t.Requires, r) < i:
			add(fmt.Sprintf("/requires/%d", i), "%q is listed twice", r)
		}
	}
	b.sharing(at, t)
	b.display(at, t)
}

// sharing checks the sharing scope and usage rights of t.
func (b *builder) sharing(at string, t *RecordType) {
	add := func(field, format string, args ...any) { b.add(b.manifest, at+"/sharing"+field, format, args...) }
	s := t.Sharing
	if len(s.Scope) == 0 {
		add("/scope", "missing: list who may receive the records, from %s", list(scopes))
	}
	if len(s.Usage) == 0 {
		add("/usage", "missing: list what the records may be used for, from %s", list(usages))
	}
	for i, sc := range s.Scope {
		field := fmt.Sprintf("/scope/%d", i)
		switch {
		case !slices.Contains(scopes, sc):
			add(field, "%q is not a sharing scope: one of %s", sc, list(scopes))
		case slices.Index(s.Scope, sc) < i:
			add(field, "%q is listed twice", sc)
		case !slices.Contains(disclosures, t.Disclosure):
			// reported as the disclosure
		case sc == ScopePublic && t.Disclosure != Public:
			add(field, "records are shared with the public only when disclosure is public, not %s", t.Disclosure)
		case t.Disclosure == GovernmentShared && sc != ScopeGovernment && sc != ScopeJudiciary:
			add(field, "%q is not a government body, and disclosure is government_shared", sc)
		}
	}
	if t.Disclosure == Public && len(s.Scope) > 0 && !slices.Contains(s.Scope, ScopePublic) {
		add("/scope", "disclosure is public, so the scope must include public")
	}
	for i, u := range s.Usage {
		field := fmt.Sprintf("/usage/%d", i)
		switch {
		case !slices.Contains(usages, u):
			add(field, "%q is not a usage right: one of %s", u, list(usages))
		case slices.Index(s.Usage, u) < i:
			add(field, "%q is listed twice", u)
		case u == UsagePublicDisplay && t.Disclosure != Public && slices.Contains(disclosures, t.Disclosure):
			add(field, "public_display needs disclosure public, not %s", t.Disclosure)
		case !slices.Contains(Classes, t.Class):
			// reported as the class
		case u == UsageJointReward && t.Class != Positive:
			add(field, "joint_reward is for positive types, not %s", t.Class)
		case u == UsageJointPunishment && t.Class != Negative && t.Class != SeriousDishonesty:
			add(field, "joint_punishment is for negative and serious_dishonesty types, not %s", t.Class)
		}
	}
}

// display checks the display periods of t, apart from the schema.
func (b *builder) display(at string, t *RecordType) {
	at += "/display"
	negative := t.Class == Negative || t.Class == SeriousDishonesty
	if len(t.Display.Periods) == 0 {
		if negative {
			b.add(b.manifest, at, "missing: a %s type needs display periods, so that display stops within %d months", t.Class, MaxNegativeMonths)
		}
		if t.Display.By != "" {
			b.add(b.manifest, at+"/periods", "missing: give a period per value of %s", t.Display.By)
		}
		return
	}
	for _, key := range slices.Sorted(maps.Keys(t.Display.Periods)) {
		p, field := t.Display.Periods[key], at+"/periods/"+escape(key)
		switch {
		case p.MinMonths < 0:
			b.add(b.manifest, field+"/min_months", "%d is negative", p.MinMonths)
		case p.MinMonths > p.MaxMonths:
			b.add(b.manifest, field+"/min_months", "%d exceeds max_months %d", p.MinMonths, p.MaxMonths)
		}
		if negative && p.MaxMonths > MaxNegativeMonths {
			b.add(b.manifest, field+"/max_months", "%d exceeds %d: negative information is displayed at most five years", p.MaxMonths, MaxNegativeMonths)
		}
	}
	if t.Display.By == "" {
		if _, ok := t.Display.Periods[DefaultPeriod]; !ok || len(t.Display.Periods) != 1 {
			b.add(b.manifest, at+"/periods", "without by, the only key must be %q", DefaultPeriod)
		}
	}
}

// schemaShape checks the parts of a schema the catalogue relies on: the
// common shape, the fields t requires, the field that selects display
// periods and a description of every property.
func (b *builder) schemaShape(at, file string, schema map[string]any, t *RecordType) {
	if d, _ := schema["description"].(string); strings.TrimSpace(d) == "" {
		b.add(file, "/description", "missing: say what a record of this type is")
	}
	reported := map[string]bool{} // pointer and message, as a field may be both common and listed
	for _, r := range t.Requires {
		if ptr, msg := checkRequired(schema, r); msg != "" && requiresPattern.MatchString(r) && !reported[ptr+msg] {
			reported[ptr+msg] = true
			b.add(file, ptr, "%s, which %s lists in requires of %s", msg, b.manifest, t.Code)
		}
	}
	for _, f := range commonShape {
		if ptr, msg := checkRequired(schema, f.path); msg != "" {
			if !reported[ptr+msg] {
				reported[ptr+msg] = true
				b.add(file, ptr, "%s, which every record type requires (the common shape)", msg)
			}
			continue
		}
		if f.format == "" {
			continue
		}
		ptr := "/properties/" + strings.ReplaceAll(f.path, ".", "/properties/")
		if got, _ := lookup(schema, ptr)["format"].(string); got != f.format {
			b.add(file, ptr+"/format", "must be %q, as in every record type (the common shape)", f.format)
		}
	}
	if by := t.Display.By; by != "" {
		field := lookup(schema, "/properties/"+escape(by))
		var enum []string
		for _, v := range asSlice(field["enum"]) {
			if s, ok := v.(string); ok {
				enum = append(enum, s)
			}
		}
		keys := slices.Sorted(maps.Keys(t.Display.Periods))
		switch {
		case len(enum) == 0:
			b.add(b.manifest, at+"/display/by", "%q is not a property of %s with an enum of strings", by, file)
		case !slices.Contains(asSlice(schema["required"]), any(by)):
			b.add(file, "/required", "must include %q, which selects the display period", by)
		}
		if len(enum) > 0 && len(keys) > 0 && !slices.Equal(keys, slices.Sorted(slices.Values(enum))) {
			b.add(b.manifest, at+"/display/periods", "must have one key per value of /properties/%s/enum of %s (%s), has %s",
				by, file, strings.Join(enum, ", "), strings.Join(keys, ", "))
		}
	}
	for _, ptr := range undescribed(schema, "") {
		b.add(file, ptr+"/description", "missing: describe every property for the departments")
	}
}

// checkRequired checks that the dotted field path is a property of schema
// that it requires, at every level. It returns the pointer and the reason
// when not.
func checkRequired(schema map[string]any, dotted string) (ptr, msg string) {
	node := schema
	names := strings.Split(dotted, ".")
	for i, name := range names {
		child := lookup(node, "/properties/"+escape(name))
		if child == nil {
			return ptr + "/properties", fmt.Sprintf("has no property %s", strings.Join(names[:i+1], "."))
		}
		if !slices.Contains(asSlice(node["required"]), any(name)) {
			msg := fmt.Sprintf("must include %q", name)
			if i > 0 {
				msg += " (" + strings.Join(names[:i+1], ".") + ")"
			}
			return ptr + "/required", msg
		}
		node, ptr = child, ptr+"/properties/"+escape(name)
	}
	return "", ""
}

// undescribed returns the pointers of the properties under node that have
// no description, in a stable order.
func undescribed(node map[string]any, at string) []string {
	var out []string
	props, _ := node["properties"].(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(props)) {
		child, _ := props[name].(map[string]any)
		ptr := at + "/properties/" + escape(name)
		if d, _ := child["description"].(string); strings.TrimSpace(d) == "" {
			out = append(out, ptr)
		}
		out = append(out, undescribed(child, ptr)...)
	}
	for _, key := range []string{"items", "additionalProperties"} {
		if child, ok := node[key].(map[string]any); ok {
			out = append(out, undescribed(child, at+"/"+key)...)
		}
	}
	for _, key := range []string{"items", "allOf", "anyOf", "oneOf"} {
		for i, v := range asSlice(node[key]) {
			if child, ok := v.(map[string]any); ok {
				out = append(out, undescribed(child, fmt.Sprintf("%s/%s/%d", at, key, i))...)
			}
		}
	}
	for _, key := range []string{"definitions", "$defs"} {
		defs, _ := node[key].(map[string]any)
		for _, name := range slices.Sorted(maps.Keys(defs)) {
			if child, ok := defs[name].(map[string]any); ok {
				out = append(out, undescribed(child, at+"/"+key+"/"+escape(name))...)
			}
		}
	}
	return out
}

// examples checks the examples of t, which has a compiled schema, and keeps
// its valid one as t.Example.
func (b *builder) examples(t *RecordType) {
	dir := path.Join("examples", t.Code)
	valid := path.Join(dir, "valid.json")
	entries, _ := fs.ReadDir(b.fsys, dir)
	if !slices.ContainsFunc(entries, func(e fs.DirEntry) bool { return e.Name() == "valid.json" }) {
		b.add(valid, "", "missing: every record type has a valid example")
	}
	for _, e := range entries {
		file := path.Join(dir, e.Name())
		raw, err := fs.ReadFile(b.fsys, file)
		switch {
		case e.IsDir() || !(e.Name() == "valid.json" || strings.HasPrefix(e.Name(), "invalid-") && strings.HasSuffix(e.Name(), ".json")):
			b.add(file, "", "unexpected: examples are named valid.json or invalid-<what>.json")
		case err != nil:
			b.add(file, "", "cannot be read: %v", err)
		case e.Name() == "valid.json":
			for _, fe := range t.Validate(raw) {
				b.add(file, fe.Pointer, "labelled valid, but %s: %s", fe.Code, fe.Message)
			}
			t.Example = json.RawMessage(raw)
		default:
			b.invalidExample(t, file, raw)
		}
	}
}

// invalidExample checks a labelled invalid example:
// {"expect": {"code": ..., "pointer": ...}, "data": ...}.
func (b *builder) invalidExample(t *RecordType, file string, raw []byte) {
	var ex struct {
		Expect *struct {
			Code    string  `json:"code"`
			Pointer *string `json:"pointer"`
		} `json:"expect"`
		Data json.RawMessage `json:"data"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ex); err != nil {
		b.add(file, "", `not a labelled example {"expect": {"code", "pointer"}, "data"}: %v`, err)
		return
	}
	switch {
	case ex.Expect == nil || ex.Expect.Code == "":
		b.add(file, "/expect/code", "missing: the error code the data must give")
		return
	case ex.Expect.Pointer == nil:
		b.add(file, "/expect/pointer", "missing: the pointer of the error the data must give")
		return
	case ex.Data == nil:
		b.add(file, "/data", "missing: the payload that must fail")
		return
	}
	want, wantAt := ex.Expect.Code, *ex.Expect.Pointer
	errs := t.Validate(ex.Data)
	switch {
	case len(errs) == 0:
		b.add(file, "/data", "labelled invalid (%s at %q), but the data is valid", want, wantAt)
	case len(errs) > 1:
		got := make([]string, len(errs))
		for i, fe := range errs {
			got[i] = fmt.Sprintf("%s at %q", fe.Code, fe.Pointer)
		}
		b.add(file, "/data", "gives %d errors (%s); an invalid example must give exactly its expected one", len(errs), strings.Join(got, ", "))
	case errs[0].Code != want:
		b.add(file, "/expect/code", "expected %s, but the data gives %s at %q", want, errs[0].Code, errs[0].Pointer)
	case errs[0].Pointer != wantAt:
		b.add(file, "/expect/pointer", "expected %s at %q, but the data gives it at %q", want, wantAt, errs[0].Pointer)
	}
}

// orphans reports example directories and schema files of no record type.
func (b *builder) orphans(codes map[string]int, schemaFiles map[string]bool) {
	dirs, _ := fs.ReadDir(b.fsys, "examples")
	for _, d := range dirs {
		if _, ok := codes[d.Name()]; !ok {
			b.add(path.Join("examples", d.Name()), "", "no record type %q in %s has these examples", d.Name(), ManifestFile)
		}
	}
	files, _ := fs.Glob(b.fsys, "*.schema.json")
	for _, f := range files {
		if !schemaFiles[f] {
			b.add(f, "", "no record type in %s names this schema", ManifestFile)
		}
	}
}

// lookup follows a JSON pointer of escaped names through nested objects,
// and returns nil when it leads nowhere or not to an object.
func lookup(node map[string]any, pointer string) map[string]any {
	for name := range strings.SplitSeq(strings.TrimPrefix(pointer, "/"), "/") {
		if pointer == "" {
			break
		}
		next, ok := node[unescape(name)].(map[string]any)
		if !ok {
			return nil
		}
		node = next
	}
	return node
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// list joins the values of a closed vocabulary for a message.
func list[T ~string](values []T) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

func escape(name string) string {
	return pointerEscaper.Replace(name)
}

func unescape(name string) string {
	return pointerUnescaper.Replace(name)
}

// checkMetadata checks the rules of t on their own, without a department
// registry, for a record type read apart from a catalogue.
func (t *RecordType) checkMetadata() error {
	b := &builder{manifest: "record type"}
	b.metadata("", t, nil)
	return b.err()
}

// compile checks schema as the schema of t and compiles it into t.
func (t *RecordType) compile(schema []byte) error {
	b := &builder{manifest: "record type"}
	b.schema("", "schema", schema, t)
	return b.err()
}

// checkExample checks that example is a valid payload of t.
func (t *RecordType) checkExample(example []byte) error {
	if errs := t.Validate(example); len(errs) > 0 {
		return fmt.Errorf("not valid: %s %s", errs[0].Code, errs[0].Pointer)
	}
	_, _, err := t.Subject(example)
	return err
}
