// Package compat decides whether a new version of a record type's JSON Schema
// (draft-07) is compatible with earlier ones, as a schema registry checks it
// before it accepts the version. It is pure: no I/O, no global state.
//
// # Modes
//
// Compatibility is defined on the data a schema accepts:
//
//   - backward: every payload valid under the old schema is valid under the
//     new one, so readers on the new schema accept data written before.
//   - forward: every payload valid under the new schema is valid under the
//     old one, so readers still on the old schema accept new data.
//   - full: both.
//   - none: no check.
//
// The plain modes compare the new schema with the latest earlier version
// only; the _transitive ones with every earlier version.
//
// # Changes
//
// Diff walks two schemas side by side and reports each difference as a
// Change with a JSON pointer into the new schema, a stable Kind, a sentence
// for the maintainer and the Direction it breaks: Backward when the new
// schema rejects some data the old one accepted, Forward when it accepts some
// data the old one rejected, Both, or Neither. Check keeps the changes that
// break what a mode requires.
//
// Descriptive keywords (title, description, examples, default, $comment,
// readOnly, writeOnly, $id, $schema) and keywords JSON Schema does not define
// are ignored, as validators ignore them. "format" counts as an assertion:
// the catalogue enforces its formats.
//
// Objects follow the content model rules of Confluent Schema Registry: a
// property absent from properties is governed by patternProperties and then
// additionalProperties, so the verdict of adding or removing a property
// depends on what that would have allowed. In a closed object
// (additionalProperties: false) adding an optional property breaks only
// forward and removing one breaks backward; in an open object removing a
// property breaks only forward and adding one with any constraint breaks
// backward. Type-specific keywords (maxLength, minimum, properties, items...)
// are compared only when both schemas admit that type; a change of type
// itself is reported as type_widened, type_narrowed or type_changed, where
// integer counts as a kind of number.
//
// Local references ("#/definitions/x", "#/$defs/x", any "#/..." pointer) are
// resolved on each side and the targets compared, so renaming a definition
// is no change and changes inside one are reported at the definition's
// location in the new schema. Other references are compared as text.
//
// Some comparisons are conservative, reported as breaking both ways though
// the change may be harmless: a changed pattern or format (regular
// expressions are not compared for inclusion), a changed "if", any change to
// oneOf branches, and allOf or anyOf branches that were both added and
// changed so that they cannot be paired. Because of that, and only because
// of it, a chain of compatible versions may end in one that the transitive
// modes refuse: an exact check of backward or forward compatibility would be
// transitive by construction.
//
// Changes are sorted by pointer, then kind, then reason, and then, for
// Check, by the earlier version they were found against.
package compat
