package source

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"time"

	"gopkg.in/yaml.v3"
)

// File is a connectors file, such as deploy/dev/connectors.yaml.
type File struct {
	Connectors []Connector `yaml:"connectors"`
}

// Connector is one source of one department's records. Exactly one of
// Files, Database and Kafka says where it reads.
type Connector struct {
	// Name identifies the connector in receipts, metrics, logs and the
	// state it keeps: lowercase letters, digits and hyphens.
	Name string `yaml:"name"`
	// Department is the name of the department principal it publishes for.
	Department string    `yaml:"department"`
	Files      *Files    `yaml:"files"`
	Database   *Database `yaml:"database"`
	Kafka      *Kafka    `yaml:"kafka"`
	// Mappings turn rows into envelopes, for files and databases; a Kafka
	// topic carries envelopes.
	Mappings []Mapping `yaml:"mappings"`
}

// Files is an inbox directory a department drops files into.
type Files struct {
	// Inbox is the directory watched; done/, failed/ and the work in
	// progress are kept beside the files in it.
	Inbox string `yaml:"inbox"`
	// Encoding of CSV files: auto (the default: UTF-8 when the file is valid
	// UTF-8, else GB18030), utf-8, or gb18030 (which reads GBK too).
	Encoding string `yaml:"encoding"`
	// Poll is the time between looks into the inbox; default 2s.
	Poll Duration `yaml:"poll"`
	// Batch is the number of rows submitted at once; default 500.
	Batch int `yaml:"batch"`
}

// Database is a department's PostgreSQL table or view, read in the order of
// its updated-at column and key, from a cursor the hub keeps.
type Database struct {
	// URLEnv names the environment variable that holds the database's URL,
	// so that no password is written in the file.
	URLEnv string `yaml:"url_env"`
	// Table is the table or view, optionally schema-qualified.
	Table string `yaml:"table"`
	// UpdatedAt is the column of the time a row last changed; Key the
	// column that orders rows changed at the same time.
	UpdatedAt string `yaml:"updated_at"`
	Key       string `yaml:"key"`
	// ReceiptsTable, when set, is a table in the department's database the
	// connector writes every row's receipt to (created when missing).
	ReceiptsTable string `yaml:"receipts_table"`
	// Poll is the time between polls once caught up; default 5s.
	Poll Duration `yaml:"poll"`
	// Batch is the number of rows read and submitted at once; default 500.
	Batch int `yaml:"batch"`
}

// Kafka is a department's own topic of envelopes.
type Kafka struct {
	// Brokers of the department's cluster; default the hub's.
	Brokers []string `yaml:"brokers"`
	Topic   string   `yaml:"topic"`
	// Group is the consumer group; default credex-connector-<name>.
	Group string `yaml:"group"`
	// ReplyTopic receives one receipt per envelope, keyed as the envelope.
	ReplyTopic string `yaml:"reply_topic"`
	// Batch is the most envelopes submitted at once; default 500.
	Batch int `yaml:"batch"`
}

// Duration is a time.Duration written as in Go ("2s", "1m30s").
type Duration time.Duration

func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil || v <= 0 {
		return fmt.Errorf("line %d: %q is not a positive duration such as 2s or 1m", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// Load reads and checks a connectors file. Unknown keys are errors that
// name the file, line and field.
func Load(path string, knownType func(string) bool) (*File, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := Parse(raw, knownType)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// Parse reads and checks the content of a connectors file; knownType says
// whether a record type exists in the catalogue.
func Parse(raw []byte, knownType func(string) bool) (*File, error) {
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var f File
	if err := decode(dec, &f); err != nil {
		return nil, err
	}
	return &f, f.validate(knownType)
}

// unknownField rewrites yaml.v3's message for an unknown key.
var unknownField = regexp.MustCompile(`^line (\d+): field (\S+) not found in type \S+$`)

var connectorName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

func (f *File) validate(knownType func(string) bool) error {
	names := map[string]bool{}
	for i, c := range f.Connectors {
		at := fmt.Sprintf("connectors[%d]", i)
		sources := 0
		for _, set := range []bool{c.Files != nil, c.Database != nil, c.Kafka != nil} {
			if set {
				sources++
			}
		}
		switch {
		case !connectorName.MatchString(c.Name):
			return fmt.Errorf("%s.name: %q is not lowercase letters, digits and hyphens", at, c.Name)
		case names[c.Name]:
			return fmt.Errorf("%s.name: %q listed twice", at, c.Name)
		case c.Department == "":
			return fmt.Errorf("%s.department: missing", at)
		case sources != 1:
			return fmt.Errorf("%s: give exactly one of files, database and kafka", at)
		case c.Files != nil && c.Files.Inbox == "":
			return fmt.Errorf("%s.files.inbox: missing", at)
		case c.Files != nil && !validEncoding(c.Files.Encoding):
			return fmt.Errorf("%s.files.encoding: %q is not auto, utf-8 or gb18030", at, c.Files.Encoding)
		case c.Database != nil && (c.Database.URLEnv == "" || c.Database.Table == "" || c.Database.UpdatedAt == "" || c.Database.Key == ""):
			return fmt.Errorf("%s.database: url_env, table, updated_at and key are required", at)
		case c.Kafka != nil && (c.Kafka.Topic == "" || c.Kafka.ReplyTopic == ""):
			return fmt.Errorf("%s.kafka: topic and reply_topic are required", at)
		case c.Kafka != nil && len(c.Mappings) > 0:
			return fmt.Errorf("%s.mappings: a Kafka topic carries envelopes, which need no mapping", at)
		case c.Kafka == nil && len(c.Mappings) == 0:
			return fmt.Errorf("%s.mappings: none listed", at)
		case c.Database != nil && len(c.Mappings) != 1:
			return fmt.Errorf("%s.mappings: a table holds one record type; give one mapping", at)
		}
		for _, batch := range []int{batchOf(c)} {
			if batch < 0 || batch > MaxBatch {
				return fmt.Errorf("%s: batch %d is not between 1 and %d", at, batch, MaxBatch)
			}
		}
		for j := range c.Mappings {
			if err := c.Mappings[j].validate(knownType); err != nil {
				return fmt.Errorf("%s.mappings[%d]%w", at, j, err)
			}
		}
		names[c.Name] = true
	}
	return nil
}

// MaxBatch is the most records a connector submits at once.
const MaxBatch = 500

// MaxBatchBytes bounds the envelopes a connector submits at once, and so
// what it holds: well below the 4 MiB body the HTTP API takes by default,
// so that credex publish's batches pass it.
const MaxBatchBytes = 2 << 20

func batchOf(c Connector) int {
	switch {
	case c.Files != nil:
		return c.Files.Batch
	case c.Database != nil:
		return c.Database.Batch
	default:
		return c.Kafka.Batch
	}
}

func validEncoding(e string) bool {
	switch e {
	case "", "auto", "utf-8", "gb18030":
		return true
	}
	return false
}

// Mappings is a file of column mappings alone, for `credex publish`: the
// encoding and mappings of a file-drop connector, without the connector.
type Mappings struct {
	// Encoding of CSV files, as in Files.
	Encoding string    `yaml:"encoding"`
	Mappings []Mapping `yaml:"mappings"`
}

// ParseMappings reads and checks the content of a mappings file.
func ParseMappings(raw []byte, knownType func(string) bool) (*Mappings, error) {
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var m Mappings
	if err := decode(dec, &m); err != nil {
		return nil, err
	}
	if !validEncoding(m.Encoding) {
		return nil, fmt.Errorf("encoding: %q is not auto, utf-8 or gb18030", m.Encoding)
	}
	if len(m.Mappings) == 0 {
		return nil, errors.New("mappings: none listed")
	}
	for i := range m.Mappings {
		if err := m.Mappings[i].validate(knownType); err != nil {
			return nil, fmt.Errorf("mappings[%d]%w", i, err)
		}
	}
	return &m, nil
}

// For returns the first mapping whose Files pattern matches the base name
// of a file, or nil.
func For(mappings []Mapping, name string) *Mapping {
	for i, m := range mappings {
		if ok, _ := path.Match(m.Files, filepath.Base(name)); ok || m.Files == "" {
			return &mappings[i]
		}
	}
	return nil
}

// decode decodes one document, rewriting yaml.v3's message for an unknown
// key as "line N: unknown field F".
func decode(dec *yaml.Decoder, v any) error {
	err := dec.Decode(v)
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return errors.New(unknownField.ReplaceAllString(te.Errors[0], "line $1: unknown field $2"))
	}
	return err
}
