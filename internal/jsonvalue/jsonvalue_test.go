package jsonvalue

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"testing"
)

var seeds = []string{
	`{"a": [1, -2.5e+3, 0, true, false, null], "b": {"c": "d\u00e9\n\"", "": {}}, "e": []}`,
	` "plain" `, `"caf\u00e9 \ud83d\ude00 \ud800"`, "\"bad \xff utf8\"", `"<tag> & \u2028"`,
	`{"a": 1, "a": 2}`, `12`, `-0.0e-0`, `01`, `1.`, `.5`, `-`, `1e`, `[1,]`, `{"a" 1}`, `{"a":1,}`,
	`tru`, `nul`, `[`, `{`, `"\x"`, "\"ctl \x01\"", `{} {}`, `{}x`, ``, ` `, `"\u12"`, `[[[[]]]]`,
	"{\"\xff\": 1}", `{"records": [{"type": "t", "data": {"x": "y"}}]}`,
}

// reference decodes data as encoding/json does for catalog.Decode.
func reference(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

// FuzzDecode checks the readers and Append against encoding/json: what they
// take, they read as it does, and what it takes, they take.
func FuzzDecode(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		data := []byte(s)
		want, err := reference(data)
		got, ok := Decode(data)
		if ok != (err == nil) {
			t.Fatalf("Decode(%q) ok=%v, encoding/json err=%v", s, ok, err)
		}
		if !ok {
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Decode(%q) = %#v, want %#v", s, got, want)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(want); err != nil {
			t.Fatal(err)
		}
		out, ok := Append(nil, got)
		if !ok || string(out) != string(bytes.TrimRight(buf.Bytes(), "\n")) {
			t.Fatalf("Append(%#v) = %s, %v, want %s", got, out, ok, buf.Bytes())
		}
		html, err := json.Marshal(json.RawMessage(out))
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendHTMLEscaped(nil, out); string(got) != string(html) {
			t.Fatalf("AppendHTMLEscaped(%s) = %s, want %s", out, got, html)
		}
		if str, isString := want.(string); isString {
			if got, _ := json.Marshal(str); string(AppendString(nil, str, true)) != string(got) {
				t.Fatalf("AppendString(%q) = %s, want %s", str, AppendString(nil, str, true), got)
			}
		}
		var members map[string]json.RawMessage
		if json.Unmarshal(data, &members) == nil && members != nil {
			list, ok := Members(data)
			if !ok {
				t.Fatalf("Members(%q) refused an object", s)
			}
			last := map[string][]byte{}
			for _, m := range list {
				last[m.Name] = m.Value // encoding/json keeps the last of a name
			}
			if len(last) != len(members) {
				t.Fatalf("Members(%q) = %q, want %q", s, list, members)
			}
			for name, v := range last {
				if !bytes.Equal(members[name], v) {
					t.Fatalf("Members(%q): %q = %s, want %s", s, name, v, members[name])
				}
				_, decoded, ok := MembersDecoding(data, name)
				want, _ := reference(v)
				if !ok || !reflect.DeepEqual(decoded, want) {
					t.Fatalf("MembersDecoding(%q, %q) = %#v, %v, want %#v", s, name, decoded, ok, want)
				}
			}
		} else if _, ok := Members(data); ok {
			t.Fatalf("Members(%q) took what is not an object", s)
		}
		var items []json.RawMessage
		if json.Unmarshal(data, &items) == nil && items != nil {
			list, ok := Elements(data)
			if !ok || len(list) != len(items) {
				t.Fatalf("Elements(%q) = %q, %v, want %q", s, list, ok, items)
			}
			for i := range items {
				if !bytes.Equal(items[i], list[i]) {
					t.Fatalf("Elements(%q)[%d] = %s, want %s", s, i, list[i], items[i])
				}
			}
		} else if _, ok := Elements(data); ok {
			t.Fatalf("Elements(%q) took what is not an array", s)
		}
		if list, ok := Items(data, "records"); ok {
			var top map[string]json.RawMessage
			var items []json.RawMessage
			if json.Unmarshal(data, &top) != nil || len(top) != 1 || json.Unmarshal(top["records"], &items) != nil || len(items) != len(list) {
				t.Fatalf("Items(%q) = %q, which encoding/json does not read", s, list)
			}
			for i := range items {
				if !bytes.Equal(items[i], list[i]) {
					t.Fatalf("Items(%q)[%d] = %s, want %s", s, i, list[i], items[i])
				}
			}
		}
	})
}
