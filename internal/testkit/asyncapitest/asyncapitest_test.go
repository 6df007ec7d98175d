package asyncapitest_test

import (
	"testing"

	"github.com/segmentio/kafka-go"

	"github.com/credex/credex/internal/testkit/asyncapitest"
)

const doc = `
asyncapi: 3.0.0
info: {title: t, version: "1"}
defaultContentType: application/json
channels:
  things:
    address: "{prefix}things.{kind}"
    messages:
      thing: {$ref: "#/components/messages/Thing"}
  ticks:
    address: "{prefix}ticks"
    messages:
      tick:
        payload: {type: integer}
components:
  messages:
    Thing:
      headers:
        type: object
        additionalProperties: false
        required: [thing-id]
        properties:
          thing-id: {type: string, pattern: "^th_"}
      payload: {$ref: "#/components/schemas/Thing"}
      bindings:
        kafka:
          key: {type: string, minLength: 3}
  schemas:
    Thing:
      type: object
      additionalProperties: false
      required: [name]
      properties:
        name: {type: string}
`

func TestChannelMatchesTheAddressWithKnownParameters(t *testing.T) {
	t.Parallel()
	d := asyncapitest.Parse(t, []byte(doc))
	known := map[string]string{"prefix": "p.x."}
	for topic, want := range map[string]string{
		"p.x.things.red": "things", "p.x.ticks": "ticks",
		"p.x.things.red.blue": "", "q.things.red": "", "p.x.ticks.1": "",
	} {
		c, ok := d.Channel(topic, known)
		switch {
		case want == "" && ok:
			t.Errorf("%s matches channel %s, want none", topic, c.ID)
		case want != "" && (!ok || c.ID != want):
			t.Errorf("%s matches %v (%v), want %s", topic, c, ok, want)
		}
	}
}

func TestCheckFindsWhatTheDocumentDoesNotSay(t *testing.T) {
	t.Parallel()
	d := asyncapitest.Parse(t, []byte(doc))
	none := map[string]string{"prefix": ""}
	things, _ := d.Channel("things.red", none)
	ticks, _ := d.Channel("ticks", none)
	good := kafka.Message{Key: []byte("key"), Value: []byte(`{"name":"a"}`), Headers: []kafka.Header{{Key: "thing-id", Value: []byte("th_1")}}}
	if err := d.Check(things, good); err != nil {
		t.Fatalf("a valid message: %v", err)
	}
	if err := d.Check(ticks, kafka.Message{Value: []byte(`7`)}); err != nil {
		t.Fatalf("a valid tick: %v", err)
	}
	for name, edit := range map[string]func(*kafka.Message){
		"undocumented field":    func(m *kafka.Message) { m.Value = []byte(`{"name":"a","colour":"red"}`) },
		"missing field":         func(m *kafka.Message) { m.Value = []byte(`{}`) },
		"not JSON":              func(m *kafka.Message) { m.Value = []byte(`name=a`) },
		"key off its schema":    func(m *kafka.Message) { m.Key = []byte("k") },
		"undocumented header":   func(m *kafka.Message) { m.Headers = append(m.Headers, kafka.Header{Key: "x-other"}) },
		"missing header":        func(m *kafka.Message) { m.Headers = nil },
		"header off its schema": func(m *kafka.Message) { m.Headers[0].Value = []byte("1") },
		"header twice":          func(m *kafka.Message) { m.Headers = append(m.Headers, m.Headers[0]) },
	} {
		m := good
		m.Headers = append([]kafka.Header(nil), good.Headers...)
		edit(&m)
		if err := d.Check(things, m); err == nil {
			t.Errorf("%s: passes", name)
		}
	}
	for name, m := range map[string]kafka.Message{
		"a key where none is documented":    {Key: []byte("k"), Value: []byte(`7`)},
		"a header where none is documented": {Value: []byte(`7`), Headers: []kafka.Header{{Key: "a"}}},
	} {
		if err := d.Check(ticks, m); err == nil {
			t.Errorf("tick with %s: passes", name)
		}
	}
}
