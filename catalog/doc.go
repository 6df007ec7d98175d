// Package catalog loads the unified personal credit information catalogue and
// validates record payloads against it.
//
// A catalogue is a manifest, catalog.yaml, listing the record types and their
// rules (class, disclosure, responsible departments, sharing scope and usage
// rights, display periods, required fields, compatibility mode), a registry
// of departments, departments.yaml, and per type a JSON Schema (draft-07) and
// labelled example payloads; package schemas embeds the default one. Lint
// checks all of it and reports every problem with its file and JSON pointer;
// Load refuses a catalogue with any problem and otherwise compiles every
// schema once. RecordType.Validate then checks a payload and reports every
// problem as a FieldError with a stable code and a JSON pointer, in words a
// department can act on and without echoing personal identifiers. A valid
// payload is recognised by a validator compiled from the same schema, which
// knows the keywords the catalogue uses; gojsonschema reads the payloads it
// does not accept, and every schema with a keyword it does not know, and
// reports the errors.
// Catalog.WriteMarkdown documents a catalogue for the departments.
// PolicyDiff lists the policy changes between two versions of a type (its
// disclosure, listed class, sharing scope and usage, display periods) and
// which of them widen, which the version registry holds for an operator's
// approval.
//
// Beyond JSON Schema's own keywords, schemas may use two formats backed by
// package ident: "citizen-id" (GB 11643-1999 citizen ID numbers) and
// "credit-code" (GB 32100-2015 unified social credit codes). The format
// "date" is YYYY-MM-DD. RecordType.Normalize rewrites the values of those
// two formats by ident's one rule (white space, full width, case, 15-digit
// ID numbers) before Validate checks them, and reports each rewriting.
//
// A Catalog and its RecordTypes are immutable once loaded and safe for
// concurrent use.
package catalog
