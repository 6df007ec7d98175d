package asyncapitest

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/segmentio/kafka-go"
	"github.com/xeipuuv/gojsonschema"
	"gopkg.in/yaml.v3"
)

// Doc is a parsed AsyncAPI document.
type Doc struct {
	root     map[string]any
	channels []*Channel
}

// Channel is a channel of the document.
type Channel struct {
	// ID is the channel's key in channels.
	ID string
	// Address is the topic name, with its {parameters}.
	Address string
	// Messages are the channel's messages, by their key in the channel.
	Messages map[string]*Message
}

// Message is a message of a channel, its references resolved.
type Message struct {
	ID          string
	ContentType string
	// Payload, Headers and Key are the message's schemas, nil when absent.
	Payload, Headers, Key map[string]any
	// Examples are the message's examples.
	Examples []Example
}

// Example is an example of a message.
type Example struct {
	Name    string
	Headers map[string]any
	Payload any
}

// Parse reads an AsyncAPI 3 document in YAML, failing the test when it is
// not one or a reference does not resolve.
func Parse(t testing.TB, raw []byte) *Doc {
	t.Helper()
	var root map[string]any
	if err := yaml.Unmarshal(raw, &root); err != nil {
		t.Fatalf("parse the AsyncAPI document: %v", err)
	}
	// Through JSON, so that every value is one a JSON document can hold.
	b, err := json.Marshal(root)
	if err != nil {
		t.Fatalf("the AsyncAPI document is not JSON: %v", err)
	}
	root = nil
	if err := json.Unmarshal(b, &root); err != nil {
		t.Fatal(err)
	}
	if v, _ := root["asyncapi"].(string); !strings.HasPrefix(v, "3.") {
		t.Fatalf("asyncapi = %q, want 3.x", v)
	}
	d := &Doc{root: root}
	channels, _ := root["channels"].(map[string]any)
	for _, id := range sortedKeys(channels) {
		c, _ := channels[id].(map[string]any)
		ch := &Channel{ID: id, Messages: map[string]*Message{}}
		ch.Address, _ = c["address"].(string)
		if ch.Address == "" {
			t.Fatalf("channel %s has no address", id)
		}
		msgs, _ := c["messages"].(map[string]any)
		for _, mid := range sortedKeys(msgs) {
			m, err := d.message(mid, msgs[mid])
			if err != nil {
				t.Fatalf("channel %s: %v", id, err)
			}
			ch.Messages[mid] = m
		}
		if len(ch.Messages) == 0 {
			t.Fatalf("channel %s has no messages", id)
		}
		d.channels = append(d.channels, ch)
	}
	return d
}

// Channels are the document's channels, by ID.
func (d *Doc) Channels() []*Channel { return d.channels }

// Channel returns the channel whose address matches topic, its parameters
// in known replaced by their values and the others standing for text
// that is not empty and has no dot; false when none or several match.
func (d *Doc) Channel(topic string, known map[string]string) (*Channel, bool) {
	var found []*Channel
	for _, c := range d.channels {
		if addressPattern(c.Address, known).MatchString(topic) {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		return nil, false
	}
	return found[0], true
}

var parameter = regexp.MustCompile(`\{([^}]*)\}`)

func addressPattern(address string, known map[string]string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	last := 0
	for _, loc := range parameter.FindAllStringSubmatchIndex(address, -1) {
		b.WriteString(regexp.QuoteMeta(address[last:loc[0]]))
		if v, ok := known[address[loc[2]:loc[3]]]; ok {
			b.WriteString(regexp.QuoteMeta(v))
		} else {
			b.WriteString(`[^.]+`)
		}
		last = loc[1]
	}
	b.WriteString(regexp.QuoteMeta(address[last:]))
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// Check returns what is wrong with m as a message of c: nil when it is one
// of c's messages, else the problems it has as the channel's only message
// (or as each of them).
func (d *Doc) Check(c *Channel, m kafka.Message) error {
	var errs []error
	for _, id := range sortedKeys(c.Messages) {
		err := d.checkMessage(c.Messages[id], m)
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("as %s: %w", id, err))
	}
	return fmt.Errorf("message at %s/%d/%d: %w", m.Topic, m.Partition, m.Offset, errors.Join(errs...))
}

func (d *Doc) checkMessage(msg *Message, m kafka.Message) error {
	var errs []error
	if msg.ContentType == "application/json" {
		if !json.Valid(m.Value) {
			errs = append(errs, fmt.Errorf("value is not JSON: %.200q", m.Value))
		} else if err := d.Validate(msg.Payload, m.Value); err != nil {
			errs = append(errs, fmt.Errorf("value %s: %w", m.Value, err))
		}
	}
	if msg.Key == nil {
		if len(m.Key) > 0 {
			errs = append(errs, fmt.Errorf("key %q, but the message documents none", m.Key))
		}
	} else if key, _ := json.Marshal(string(m.Key)); d.Validate(msg.Key, key) != nil {
		errs = append(errs, fmt.Errorf("key %q: %w", m.Key, d.Validate(msg.Key, key)))
	}
	headers := map[string]string{}
	for _, h := range m.Headers {
		if _, dup := headers[h.Key]; dup {
			errs = append(errs, fmt.Errorf("header %s twice", h.Key))
		}
		headers[h.Key] = string(h.Value)
	}
	if msg.Headers == nil {
		if len(headers) > 0 {
			errs = append(errs, fmt.Errorf("headers %v, but the message documents none", headers))
		}
	} else if b, _ := json.Marshal(headers); d.Validate(msg.Headers, b) != nil {
		errs = append(errs, fmt.Errorf("headers %s: %w", b, d.Validate(msg.Headers, b)))
	}
	return errors.Join(errs...)
}

// Validate checks the JSON value against schema, a schema of the document
// whose references resolve in the document.
func (d *Doc) Validate(schema map[string]any, value []byte) error {
	root := map[string]any{"components": d.root["components"]}
	for k, v := range schema {
		root[k] = v
	}
	res, err := gojsonschema.Validate(gojsonschema.NewGoLoader(root), gojsonschema.NewBytesLoader(value))
	if err != nil {
		return fmt.Errorf("validate: %w", err)
	}
	if res.Valid() {
		return nil
	}
	var errs []error
	for _, e := range res.Errors() {
		errs = append(errs, errors.New(e.String()))
	}
	return errors.Join(errs...)
}

// message resolves the message ref (or inline message) with its schemas.
func (d *Doc) message(id string, v any) (*Message, error) {
	obj, err := d.resolve(v)
	if err != nil {
		return nil, fmt.Errorf("message %s: %w", id, err)
	}
	m := &Message{ID: id}
	m.ContentType, _ = obj["contentType"].(string)
	if m.ContentType == "" {
		m.ContentType, _ = d.root["defaultContentType"].(string)
	}
	if m.Payload, err = d.schema(obj["payload"]); err != nil {
		return nil, fmt.Errorf("message %s: payload: %w", id, err)
	}
	if m.Headers, err = d.schema(obj["headers"]); err != nil {
		return nil, fmt.Errorf("message %s: headers: %w", id, err)
	}
	bindings, _ := obj["bindings"].(map[string]any)
	if kb, ok := bindings["kafka"].(map[string]any); ok {
		if m.Key, err = d.schema(kb["key"]); err != nil {
			return nil, fmt.Errorf("message %s: key: %w", id, err)
		}
	}
	examples, _ := obj["examples"].([]any)
	for _, e := range examples {
		ex, _ := e.(map[string]any)
		name, _ := ex["name"].(string)
		headers, _ := ex["headers"].(map[string]any)
		m.Examples = append(m.Examples, Example{Name: name, Headers: headers, Payload: ex["payload"]})
	}
	return m, nil
}

// schema returns the schema v, checking that its reference, if any, resolves.
func (d *Doc) schema(v any) (map[string]any, error) {
	if v == nil {
		return nil, nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a schema: %v", v)
	}
	if _, err := d.resolve(obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// resolve follows a local $ref.
func (d *Doc) resolve(v any) (map[string]any, error) {
	obj, ok := v.(map[string]any)
	for ok {
		ref, isRef := obj["$ref"].(string)
		if !isRef {
			return obj, nil
		}
		path, local := strings.CutPrefix(ref, "#/")
		if !local {
			return nil, fmt.Errorf("$ref %q is not local", ref)
		}
		var at any = d.root
		for _, part := range strings.Split(path, "/") {
			part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
			parent, isObj := at.(map[string]any)
			if !isObj {
				return nil, fmt.Errorf("$ref %q does not resolve", ref)
			}
			if at, isObj = parent[part]; !isObj {
				return nil, fmt.Errorf("$ref %q does not resolve", ref)
			}
		}
		obj, ok = at.(map[string]any)
	}
	return nil, fmt.Errorf("not an object: %v", v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
