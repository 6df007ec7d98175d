// Package jsonvalue reads and writes JSON as encoding/json does, in one pass
// and without reflection: the fast path of the hub's ingest. Values decode as
// encoding/json decodes them into an any with UseNumber: objects as
// map[string]any, arrays as []any, numbers as json.Number.
//
// Every reader reports false for what it does not take: input that is not
// JSON, and a few rare valid forms (nesting deeper than maxDepth). Callers
// then hand the input to encoding/json, which decodes it or says exactly
// what is wrong, so that nothing a caller tells its users changes.
package jsonvalue
