// Package catalog loads the unified personal credit information catalogue and
// validates record payloads against it.
//
// A catalogue is a manifest, catalog.yaml, listing the record types, and per
// type a JSON Schema (draft-07) and a valid example payload; package schemas
// embeds the default one. Load reads and checks all of it, compiling every
// schema once. RecordType.Validate then checks a payload and reports every
// problem as a FieldError with a stable code and a JSON pointer, in words a
// department can act on and without echoing personal identifiers.
//
// Beyond JSON Schema's own keywords, schemas may use two formats backed by
// package ident: "citizen-id" (GB 11643-1999 citizen ID numbers) and
// "credit-code" (GB 32100-2015 unified social credit codes). The format
// "date" is YYYY-MM-DD.
//
// A Catalog and its RecordTypes are immutable once loaded and safe for
// concurrent use.
package catalog
