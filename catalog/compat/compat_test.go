package compat_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/credex/credex/catalog/compat"
)

// pairCase is one schema change and the verdict of each mode on it: whether
// the new schema is backward and forward compatible with the old one. Full
// is both; none always passes.
type pairCase struct {
	name              string
	old, new          string
	backward, forward bool
	kind, pointer     string // a change Diff must report, when set
}

var pairCases = []pairCase{
	// No change.
	{name: "identical schemas", backward: true, forward: true,
		old: `{"type":"object","properties":{"a":{"type":"string"}}}`,
		new: `{"type":"object","properties":{"a":{"type":"string"}}}`},
	{name: "title, description, examples and $comment changed", backward: true, forward: true,
		old: `{"title":"A","description":"old","properties":{"a":{"type":"string","examples":["x"]}}}`,
		new: `{"title":"B","description":"new","$comment":"c","properties":{"a":{"type":"string","examples":["y"],"description":"d"}}}`},

	// Required properties.
	{name: "required property added", backward: false, forward: true, kind: "required_added", pointer: "/required",
		old: `{"type":"object","properties":{"a":{"type":"string"}}}`,
		new: `{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}`},
	{name: "required property made optional", backward: true, forward: false, kind: "required_removed",
		old: `{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}`,
		new: `{"type":"object","properties":{"a":{"type":"string"}}}`},
	{name: "required property added to closed object", backward: false, forward: false, kind: "property_added_closed",
		old: `{"type":"object","additionalProperties":false,"properties":{}}`,
		new: `{"type":"object","additionalProperties":false,"properties":{"a":{"type":"string"}},"required":["a"]}`},

	// Optional properties, closed and open content models.
	{name: "optional property added to closed object", backward: true, forward: false,
		kind: "property_added_closed", pointer: "/properties/b",
		old: `{"type":"object","additionalProperties":false,"properties":{"a":{"type":"string"}}}`,
		new: `{"type":"object","additionalProperties":false,"properties":{"a":{"type":"string"},"b":{"type":"string"}}}`},
	{name: "optional property removed from closed object", backward: false, forward: true,
		kind: "property_removed_closed", pointer: "/properties/b",
		old: `{"type":"object","additionalProperties":false,"properties":{"a":{"type":"string"},"b":{"type":"string"}}}`,
		new: `{"type":"object","additionalProperties":false,"properties":{"a":{"type":"string"}}}`},
	{name: "optional property added to open object", backward: false, forward: true, kind: "property_added_open",
		old: `{"type":"object","properties":{"a":{"type":"string"}}}`,
		new: `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}}}`},
	{name: "optional property removed from open object", backward: true, forward: false, kind: "property_removed_open",
		old: `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}}}`,
		new: `{"type":"object","properties":{"a":{"type":"string"}}}`},
	{name: "unconstrained property added to open object", backward: true, forward: true, kind: "property_added_open",
		old: `{"type":"object","properties":{}}`,
		new: `{"type":"object","properties":{"b":{"description":"anything"}}}`},
	{name: "property added within what additionalProperties allowed", backward: false, forward: true,
		kind: "property_added_partially_open",
		old:  `{"type":"object","additionalProperties":{"type":"string"}}`,
		new:  `{"type":"object","additionalProperties":{"type":"string"},"properties":{"b":{"type":"string","maxLength":5}}}`},
	{name: "property removed from closed object into a patternProperties that covers it", backward: true, forward: false,
		kind: "property_removed_partially_open",
		old:  `{"type":"object","additionalProperties":false,"patternProperties":{"^x_":{"type":"string"}},"properties":{"x_a":{"type":"string","maxLength":5}}}`,
		new:  `{"type":"object","additionalProperties":false,"patternProperties":{"^x_":{"type":"string"}}}`},

	// additionalProperties toggled.
	{name: "object closed", backward: false, forward: true, kind: "additional_properties_closed", pointer: "/additionalProperties",
		old: `{"type":"object","properties":{"a":{"type":"string"}}}`,
		new: `{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}`},
	{name: "object opened", backward: true, forward: false, kind: "additional_properties_opened",
		old: `{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}`,
		new: `{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":true}`},
	{name: "additionalProperties constrained to strings", backward: false, forward: true, kind: "additional_properties_narrowed",
		old: `{"type":"object"}`,
		new: `{"type":"object","additionalProperties":{"type":"string"}}`},
	{name: "additionalProperties schema widened", backward: true, forward: false, kind: "type_widened",
		pointer: "/additionalProperties/type",
		old:     `{"type":"object","additionalProperties":{"type":"string"}}`,
		new:     `{"type":"object","additionalProperties":{"type":["string","null"]}}`},

	// Types.
	{name: "null added to the types", backward: true, forward: false, kind: "type_widened", pointer: "/properties/a/type",
		old: `{"properties":{"a":{"type":"string"}}}`,
		new: `{"properties":{"a":{"type":["string","null"]}}}`},
	{name: "null removed from the types", backward: false, forward: true, kind: "type_narrowed",
		old: `{"properties":{"a":{"type":["null","string"]}}}`,
		new: `{"properties":{"a":{"type":"string"}}}`},
	{name: "integer widened to number", backward: true, forward: false, kind: "type_widened",
		old: `{"type":"integer"}`, new: `{"type":"number"}`},
	{name: "number narrowed to integer", backward: false, forward: true, kind: "type_narrowed",
		old: `{"type":"number"}`, new: `{"type":"integer"}`},
	{name: "integer added beside number changes nothing", backward: true, forward: true,
		old: `{"type":"number"}`, new: `{"type":["number","integer"]}`},
	{name: "string changed to integer", backward: false, forward: false, kind: "type_changed",
		old: `{"type":"string"}`, new: `{"type":"integer"}`},
	{name: "type added to an untyped schema", backward: false, forward: true, kind: "type_narrowed",
		old: `{}`, new: `{"type":"string"}`},
	{name: "string keywords on an integer are ignored", backward: true, forward: true,
		old: `{"type":"integer","maxLength":3}`, new: `{"type":"integer"}`},

	// enum and const.
	{name: "enum value added", backward: true, forward: false, kind: "enum_value_added", pointer: "/enum",
		old: `{"enum":["minor","general"]}`, new: `{"enum":["minor","general","serious"]}`},
	{name: "enum value removed", backward: false, forward: true, kind: "enum_value_removed",
		old: `{"enum":["minor","general","serious"]}`, new: `{"enum":["minor","general"]}`},
	{name: "enum values reordered", backward: true, forward: true,
		old: `{"enum":["a","b",1]}`, new: `{"enum":[1.0,"b","a"]}`},
	{name: "enum added", backward: false, forward: true, kind: "enum_added",
		old: `{"type":"string"}`, new: `{"type":"string","enum":["a"]}`},
	{name: "enum removed", backward: true, forward: false, kind: "enum_removed",
		old: `{"type":"string","enum":["a"]}`, new: `{"type":"string"}`},
	{name: "const added", backward: false, forward: true, kind: "const_added", pointer: "/const",
		old: `{"type":"string"}`, new: `{"const":"a"}`},
	{name: "const changed", backward: false, forward: false, kind: "const_changed",
		old: `{"const":"a"}`, new: `{"const":"b"}`},
	{name: "const widened to an enum", backward: true, forward: false, kind: "enum_value_added",
		old: `{"const":"a"}`, new: `{"enum":["a","b"]}`},

	// pattern and format.
	{name: "pattern added", backward: false, forward: true, kind: "pattern_added", pointer: "/pattern",
		old: `{"type":"string"}`, new: `{"type":"string","pattern":"^[0-9]+$"}`},
	{name: "pattern changed", backward: false, forward: false, kind: "pattern_changed",
		old: `{"type":"string","pattern":"^[0-9]+$"}`, new: `{"type":"string","pattern":"^[0-9X]+$"}`},
	{name: "pattern removed", backward: true, forward: false, kind: "pattern_removed",
		old: `{"type":"string","pattern":"^[0-9]+$"}`, new: `{"type":"string"}`},
	{name: "format added", backward: false, forward: true, kind: "format_added",
		old: `{"type":"string"}`, new: `{"type":"string","format":"citizen-id"}`},
	{name: "format changed", backward: false, forward: false, kind: "format_changed",
		old: `{"type":"string","format":"date"}`, new: `{"type":"string","format":"date-time"}`},
	{name: "format removed", backward: true, forward: false, kind: "format_removed",
		old: `{"type":"string","format":"date"}`, new: `{"type":"string"}`},

	// Numeric limits.
	{name: "minimum added", backward: false, forward: true, kind: "minimum_added",
		old: `{"type":"number"}`, new: `{"type":"number","minimum":0}`},
	{name: "minimum raised", backward: false, forward: true, kind: "minimum_increased",
		old: `{"type":"number","minimum":0}`, new: `{"type":"number","minimum":1}`},
	{name: "minimum made exclusive", backward: false, forward: true, kind: "minimum_increased", pointer: "/exclusiveMinimum",
		old: `{"type":"number","minimum":0}`, new: `{"type":"number","exclusiveMinimum":0}`},
	{name: "maximum removed", backward: true, forward: false, kind: "maximum_removed",
		old: `{"type":"integer","maximum":10}`, new: `{"type":"integer"}`},
	{name: "exclusiveMaximum raised", backward: true, forward: false, kind: "maximum_increased",
		old: `{"type":"number","exclusiveMaximum":10}`, new: `{"type":"number","exclusiveMaximum":20}`},
	{name: "multipleOf made coarser", backward: false, forward: true, kind: "multiple_of_changed",
		old: `{"type":"integer","multipleOf":2}`, new: `{"type":"integer","multipleOf":4}`},

	// String and array lengths.
	{name: "maxLength decreased", backward: false, forward: true, kind: "max_length_decreased", pointer: "/properties/facts/maxLength",
		old: `{"properties":{"facts":{"type":"string","maxLength":4000}}}`,
		new: `{"properties":{"facts":{"type":"string","maxLength":2000}}}`},
	{name: "maxLength increased", backward: true, forward: false, kind: "max_length_increased",
		old: `{"type":"string","maxLength":100}`, new: `{"type":"string","maxLength":200}`},
	{name: "minLength added", backward: false, forward: true, kind: "min_length_added",
		old: `{"type":"string"}`, new: `{"type":"string","minLength":1}`},
	{name: "minLength 0 added changes nothing", backward: true, forward: true, kind: "min_length_added",
		old: `{"type":"string"}`, new: `{"type":"string","minLength":0}`},
	{name: "minItems increased", backward: false, forward: true, kind: "min_items_increased",
		old: `{"type":"array","minItems":1}`, new: `{"type":"array","minItems":2}`},
	{name: "maxItems removed", backward: true, forward: false, kind: "max_items_removed",
		old: `{"type":"array","maxItems":5}`, new: `{"type":"array"}`},
	{name: "uniqueItems added", backward: false, forward: true, kind: "unique_items_added",
		old: `{"type":"array"}`, new: `{"type":"array","uniqueItems":true}`},
	{name: "uniqueItems removed", backward: true, forward: false, kind: "unique_items_removed",
		old: `{"type":"array","uniqueItems":true}`, new: `{"type":"array","uniqueItems":false}`},

	// Nesting.
	{name: "pattern of a nested property changed", backward: false, forward: false, kind: "pattern_changed",
		pointer: "/properties/subject/properties/id_number/pattern",
		old:     `{"properties":{"subject":{"type":"object","properties":{"id_number":{"type":"string","pattern":"^[0-9]{17}[0-9X]$"}}}}}`,
		new:     `{"properties":{"subject":{"type":"object","properties":{"id_number":{"type":"string","pattern":"^[0-9]{18}$"}}}}}`},
	{name: "enum value added to array items", backward: true, forward: false, kind: "enum_value_added",
		pointer: "/properties/penalty_types/items/enum",
		old:     `{"properties":{"penalty_types":{"type":"array","items":{"type":"string","enum":["warning","fine"]}}}}`,
		new:     `{"properties":{"penalty_types":{"type":"array","items":{"type":"string","enum":["warning","fine","other"]}}}}`},
	{name: "items narrowed", backward: false, forward: true, kind: "type_narrowed", pointer: "/items/type",
		old: `{"type":"array","items":{"type":["string","integer"]}}`,
		new: `{"type":"array","items":{"type":"string"}}`},
	{name: "tuple item added where additionalItems was false", backward: true, forward: false, kind: "false_schema_removed",
		pointer: "/items/1",
		old:     `{"type":"array","items":[{"type":"string"}],"additionalItems":false}`,
		new:     `{"type":"array","items":[{"type":"string"},{"type":"integer"}],"additionalItems":false}`},

	// References.
	{name: "definition renamed", backward: true, forward: true,
		old: `{"properties":{"a":{"$ref":"#/definitions/name"}},"definitions":{"name":{"type":"string","maxLength":100}}}`,
		new: `{"properties":{"a":{"$ref":"#/$defs/full_name"}},"$defs":{"full_name":{"type":"string","maxLength":100}}}`},
	{name: "definition narrowed", backward: false, forward: true, kind: "max_length_decreased", pointer: "/$defs/name/maxLength",
		old: `{"properties":{"a":{"$ref":"#/$defs/name"}},"$defs":{"name":{"type":"string","maxLength":100}}}`,
		new: `{"properties":{"a":{"$ref":"#/$defs/name"}},"$defs":{"name":{"type":"string","maxLength":50}}}`},
	{name: "reference inlined unchanged", backward: true, forward: true,
		old: `{"properties":{"a":{"$ref":"#/definitions/name"}},"definitions":{"name":{"type":"string"}}}`,
		new: `{"properties":{"a":{"type":"string"}}}`},
	{name: "inline schema replaced by a reference to a wider one", backward: true, forward: false, kind: "type_widened",
		old: `{"properties":{"a":{"type":"string"}}}`,
		new: `{"properties":{"a":{"$ref":"#/definitions/n"}},"definitions":{"n":{"type":["string","null"]}}}`},
	{name: "recursive definition compared once", backward: false, forward: true, kind: "required_added",
		old: `{"$ref":"#/definitions/node","definitions":{"node":{"type":"object","properties":{"next":{"$ref":"#/definitions/node"}}}}}`,
		new: `{"$ref":"#/definitions/node","definitions":{"node":{"type":"object","required":["v"],"properties":{"next":{"$ref":"#/definitions/node"}}}}}`},
	{name: "remote reference changed", backward: false, forward: false, kind: "ref_unresolved",
		old: `{"$ref":"https://example.org/a.json"}`, new: `{"$ref":"https://example.org/b.json"}`},

	// Conditions and combinators.
	{name: "if/then added", backward: false, forward: true, kind: "conditional_added",
		old: `{"type":"object"}`,
		new: `{"type":"object","if":{"required":["fine"]},"then":{"required":["amount"]}}`},
	{name: "then made stricter under the same if", backward: false, forward: true, kind: "required_added", pointer: "/then/required",
		old: `{"if":{"required":["fine"]},"then":{"required":["amount"]}}`,
		new: `{"if":{"required":["fine"]},"then":{"required":["amount","currency"]}}`},
	{name: "condition changed", backward: false, forward: false, kind: "conditional_changed",
		old: `{"if":{"required":["fine"]},"then":{"required":["amount"]}}`,
		new: `{"if":{"required":["confiscation"]},"then":{"required":["amount"]}}`},
	{name: "anyOf branch added", backward: true, forward: false, kind: "any_of_branch_added",
		old: `{"anyOf":[{"type":"string"},{"type":"integer"}]}`,
		new: `{"anyOf":[{"type":"string"},{"type":"integer"},{"type":"null"}]}`},
	{name: "anyOf branch removed", backward: false, forward: true, kind: "any_of_branch_removed",
		old: `{"anyOf":[{"type":"string"},{"type":"integer"}]}`,
		new: `{"anyOf":[{"type":"integer"}]}`},
	{name: "anyOf branch widened in place", backward: true, forward: false, kind: "max_length_increased",
		pointer: "/anyOf/0/maxLength",
		old:     `{"anyOf":[{"type":"string","maxLength":5},{"type":"integer"}]}`,
		new:     `{"anyOf":[{"type":"string","maxLength":9},{"type":"integer"}]}`},
	{name: "definition narrowed behind an unchanged allOf branch", backward: false, forward: true,
		kind: "max_length_decreased", pointer: "/definitions/name/maxLength",
		old: `{"allOf":[{"$ref":"#/definitions/name"}],"definitions":{"name":{"type":"string","maxLength":100}}}`,
		new: `{"allOf":[{"$ref":"#/definitions/name"}],"definitions":{"name":{"type":"string","maxLength":50}}}`},
	{name: "allOf branch added", backward: false, forward: true, kind: "all_of_branch_added",
		old: `{"allOf":[{"type":"string"}]}`,
		new: `{"allOf":[{"type":"string"},{"maxLength":9}]}`},
	{name: "oneOf branch added", backward: false, forward: false, kind: "one_of_changed",
		old: `{"oneOf":[{"type":"string"},{"type":"integer"}]}`,
		new: `{"oneOf":[{"type":"string"},{"type":"integer"},{"type":"null"}]}`},
	{name: "definition behind an unchanged oneOf branch narrowed", backward: false, forward: false, kind: "one_of_changed",
		old: `{"oneOf":[{"$ref":"#/definitions/a"},{"type":"integer"}],"definitions":{"a":{"type":"string","maxLength":100}}}`,
		new: `{"oneOf":[{"$ref":"#/definitions/a"},{"type":"integer"}],"definitions":{"a":{"type":"string","maxLength":50}}}`},
	{name: "not added", backward: false, forward: true, kind: "not_added",
		old: `{"type":"string"}`, new: `{"type":"string","not":{"const":""}}`},
	{name: "schema under not widened", backward: false, forward: true, kind: "enum_value_added",
		old: `{"not":{"enum":["a"]}}`, new: `{"not":{"enum":["a","b"]}}`},

	// Boolean schemas.
	{name: "schema made false", backward: false, forward: true, kind: "false_schema_added",
		old: `{"properties":{"a":true}}`, new: `{"properties":{"a":false}}`},
}

func TestCheckPairs(t *testing.T) {
	t.Parallel()
	for _, tc := range pairCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			earlier := []json.RawMessage{json.RawMessage(tc.old)}
			next := json.RawMessage(tc.new)
			want := map[compat.Mode]bool{
				compat.ModeBackward: tc.backward,
				compat.ModeForward:  tc.forward,
				compat.ModeFull:     tc.backward && tc.forward,
				compat.ModeNone:     true,
			}
			for mode, ok := range want {
				breaking, err := compat.Check(mode, earlier, next)
				if err != nil {
					t.Fatalf("Check(%s): %v", mode, err)
				}
				if (len(breaking) == 0) != ok {
					t.Errorf("Check(%s) = %v, want compatible %v", mode, breaking, ok)
				}
			}
			changes, err := compat.Diff(earlier[0], next)
			if err != nil {
				t.Fatalf("Diff: %v", err)
			}
			if tc.kind == "" && len(changes) > 0 {
				t.Errorf("Diff = %v, want no change", changes)
			}
			if tc.kind != "" && !slices.ContainsFunc(changes, func(c compat.Change) bool {
				return c.Kind == tc.kind && (tc.pointer == "" || c.Pointer == tc.pointer)
			}) {
				t.Errorf("Diff = %v, want a %s change at %q", changes, tc.kind, tc.pointer)
			}
		})
	}
}

func TestDiffExplainsEachChange(t *testing.T) {
	t.Parallel()
	changes, err := compat.Diff(
		json.RawMessage(`{"type":"object","additionalProperties":false,"properties":{"severity":{"enum":["minor","general","serious"]}}}`),
		json.RawMessage(`{"type":"object","additionalProperties":false,"required":["facts"],"properties":{"facts":{"type":"string"},"severity":{"enum":["minor","general"]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []compat.Change{
		{Pointer: "/properties/facts", Kind: "property_added_closed", Breaks: compat.Forward,
			Reason: `property "facts" added to a closed object (additionalProperties: false), which did not allow it; data valid under the new schema may be invalid under the old one`},
		{Pointer: "/properties/severity/enum", Kind: "enum_value_removed", Breaks: compat.Backward,
			Reason: `allowed values "serious" removed; data valid under the old schema may be invalid under the new one`},
		{Pointer: "/required", Kind: "required_added", Breaks: compat.Backward,
			Reason: `property "facts" is now required; data valid under the old schema may be invalid under the new one`},
	}
	if !slices.Equal(changes, want) {
		t.Errorf("Diff =\n%v\nwant (sorted by pointer, then kind)\n%v", changes, want)
	}
}

// An exact check of backward compatibility is transitive: each compatible
// step only widens what the schema accepts. The transitive modes still
// differ from the plain ones in two ways, both tested here.
func TestCheckTransitive(t *testing.T) {
	t.Parallel()
	raw := func(s ...string) []json.RawMessage {
		out := make([]json.RawMessage, len(s))
		for i := range s {
			out[i] = json.RawMessage(s[i])
		}
		return out
	}

	t.Run("an earlier version published under another mode", func(t *testing.T) {
		t.Parallel()
		// v2 made "reason" required, which only forward compatibility
		// allows; v3 only reworded it. v3 is backward compatible with v2
		// but not with v1, whose data may lack "reason".
		versions := raw(
			`{"type":"object","properties":{"reason":{"type":"string"}}}`,
			`{"type":"object","properties":{"reason":{"type":"string"}},"required":["reason"]}`,
		)
		next := json.RawMessage(`{"type":"object","properties":{"reason":{"type":"string","description":"Why."}},"required":["reason"]}`)
		assertTransitive(t, versions, next, "required_added")
	})

	t.Run("each step compatible, the chain not provably so", func(t *testing.T) {
		t.Parallel()
		// v2 adds an anyOf branch, v3 widens another branch: each step is
		// backward compatible. Against v1 the branches were both added and
		// changed; they cannot be paired, so the change counts as breaking.
		versions := raw(
			`{"anyOf":[{"type":"string","maxLength":18},{"type":"integer"}]}`,
			`{"anyOf":[{"type":"string","maxLength":18},{"type":"integer"},{"type":"null"}]}`,
		)
		next := json.RawMessage(`{"anyOf":[{"type":"string","maxLength":20},{"type":"integer"},{"type":"null"}]}`)
		if c, err := compat.Check(compat.ModeBackward, versions[:1], versions[1]); err != nil || len(c) > 0 {
			t.Fatalf("v2 against v1 = %v, %v; want compatible", c, err)
		}
		assertTransitive(t, versions, next, "any_of_changed")
	})

	t.Run("compatible with every earlier version", func(t *testing.T) {
		t.Parallel()
		versions := raw(
			`{"type":"object","additionalProperties":false,"properties":{"a":{"type":"string","maxLength":10}}}`,
			`{"type":"object","additionalProperties":false,"properties":{"a":{"type":"string","maxLength":20}}}`,
		)
		next := json.RawMessage(`{"type":"object","additionalProperties":false,"properties":{"a":{"type":"string","maxLength":30},"b":{"type":"integer"}}}`)
		for _, mode := range []compat.Mode{compat.ModeBackward, compat.ModeBackwardTransitive} {
			if c, err := compat.Check(mode, versions, next); err != nil || len(c) > 0 {
				t.Errorf("Check(%s) = %v, %v; want compatible", mode, c, err)
			}
		}
		c, err := compat.Check(compat.ModeForwardTransitive, versions, next)
		if err != nil || len(c) == 0 {
			t.Fatalf("Check(forward_transitive) = %v, %v; want breaking changes", c, err)
		}
		var against []int
		for _, ch := range c {
			against = append(against, ch.Against)
		}
		slices.Sort(against)
		if against = slices.Compact(against); !slices.Equal(against, []int{0, 1}) {
			t.Errorf("forward_transitive found changes against versions %v, want [0 1]: %v", against, c)
		}
	})
}

// assertTransitive checks that next passes the plain backward check against
// versions and fails the transitive one against the first version only,
// with a change of the given kind.
func assertTransitive(t *testing.T, versions []json.RawMessage, next json.RawMessage, kind string) {
	t.Helper()
	if c, err := compat.Check(compat.ModeBackward, versions, next); err != nil || len(c) > 0 {
		t.Fatalf("Check(backward) = %v, %v; want compatible with the latest version", c, err)
	}
	c, err := compat.Check(compat.ModeBackwardTransitive, versions, next)
	if err != nil {
		t.Fatal(err)
	}
	if len(c) != 1 || c[0].Against != 0 || c[0].Kind != kind {
		t.Errorf("Check(backward_transitive) = %v, want one %s change against version index 0", c, kind)
	}
}

func TestCheckWithoutEarlierVersionsOrUnderNone(t *testing.T) {
	t.Parallel()
	next := json.RawMessage(`{"type":"string"}`)
	if c, err := compat.Check(compat.ModeFullTransitive, nil, next); err != nil || c != nil {
		t.Errorf("Check with no earlier version = %v, %v; want nil, nil", c, err)
	}
	if c, err := compat.Check(compat.ModeNone, []json.RawMessage{json.RawMessage(`{"type":"integer"}`)}, next); err != nil || c != nil {
		t.Errorf("Check(none) = %v, %v; want nil, nil", c, err)
	}
}

func TestCheckRefusesWhatIsNotASchema(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ old, new, want string }{
		{`{`, `{}`, "version 1"},
		{`{}`, `[]`, "new schema: not a JSON object or boolean"},
		{`"string"`, `{}`, "old schema: not a JSON object or boolean"},
	} {
		_, err := compat.Check(compat.ModeBackward, []json.RawMessage{json.RawMessage(tc.old)}, json.RawMessage(tc.new))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check(%s, %s) error = %v, want one mentioning %q", tc.old, tc.new, err, tc.want)
		}
	}
	if _, err := compat.Check("sideways", nil, json.RawMessage(`{}`)); err == nil {
		t.Error("Check with an unknown mode succeeded")
	}
}

func TestParseMode(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]compat.Mode{
		"backward":            compat.ModeBackward,
		"BACKWARD_TRANSITIVE": compat.ModeBackwardTransitive,
		"forward":             compat.ModeForward,
		"forward_transitive":  compat.ModeForwardTransitive,
		"Full":                compat.ModeFull,
		"full_transitive":     compat.ModeFullTransitive,
		"none":                compat.ModeNone,
	} {
		if got, err := compat.ParseMode(in); got != want || err != nil {
			t.Errorf("ParseMode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "transitive", "backwards"} {
		if _, err := compat.ParseMode(in); err == nil {
			t.Errorf("ParseMode(%q) succeeded", in)
		}
	}
}

func TestChangeAsJSON(t *testing.T) {
	t.Parallel()
	c := compat.Change{Pointer: "/required", Kind: "required_added", Reason: "r", Breaks: compat.Backward, Against: 1}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"pointer":"/required","kind":"required_added","reason":"r","breaks":"backward","against":1}`; string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
	var back compat.Change
	if err := json.Unmarshal(b, &back); err != nil || back != c {
		t.Errorf("round trip = %+v, %v; want %+v", back, err, c)
	}
}
