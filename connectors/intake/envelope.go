package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/internal/jsonvalue"
	"github.com/credex/credex/record"
)

const maxSourceID = 128

// envelopeTypes says what each envelope field must be, for error messages.
var envelopeTypes = map[string]string{
	"type": "a string", "op": "a string", "source_id": "a string",
	"catalog_version": "a whole number from 1 to 2147483647", "data": "an object", "reason": "a string",
}

// envelope is one record of a submission as the department sent it.
type envelope struct {
	Type           string
	Op             string
	Reason         string
	SourceID       string
	Data           json.RawMessage
	CatalogVersion int
	// decoded is Data decoded as catalog.Decode decodes it, when the
	// envelope was read in one pass (readEnvelope); nil otherwise.
	decoded any
}

// parseEnvelope decodes one envelope. Every problem is reported with a
// pointer relative to the envelope.
func parseEnvelope(raw json.RawMessage) (envelope, []catalog.FieldError) {
	env, hasOp, ok := readEnvelope(raw)
	var errs []catalog.FieldError
	if !ok {
		var fields map[string]json.RawMessage
		if env, fields, errs, ok = decodeEnvelope(raw); !ok {
			return env, errs
		}
		hasOp = fields["op"] != nil
	}
	if env.Op == "" && !hasOp && !hasPointer(errs, "/op") {
		env.Op = "upsert"
	}
	if !slices.Contains(submittedOps, env.Op) && hasOp && !hasPointer(errs, "/op") {
		errs = append(errs, catalog.FieldError{Code: "invalid_op", Pointer: "/op", Message: `op must be "upsert", "correct" or "revoke"`})
	}
	switch {
	case hasPointer(errs, "/source_id"):
	case env.SourceID == "":
		errs = append(errs, catalog.FieldError{Code: "missing_field", Pointer: "/source_id", Message: "source_id, the department's own id of the record, is required"})
	case len(env.SourceID) > maxSourceID:
		errs = append(errs, catalog.FieldError{Code: "invalid_string", Pointer: "/source_id", Message: fmt.Sprintf("source_id is longer than %d bytes", maxSourceID)})
	case strings.ContainsRune(env.SourceID, 0):
		errs = append(errs, nulError("/source_id"))
	}
	if env.Type == "" && !hasPointer(errs, "/type") {
		errs = append(errs, catalog.FieldError{Code: "missing_field", Pointer: "/type", Message: "type, the record type code, is required"})
	}
	switch {
	case (env.Op == "upsert" || env.Op == "correct") && env.Data == nil && !hasPointer(errs, "/data"):
		errs = append(errs, catalog.FieldError{Code: "missing_field", Pointer: "/data", Message: "data, the record's payload, is required"})
	case env.Op == "revoke" && env.Data != nil && !hasPointer(errs, "/data"):
		errs = append(errs, checkRevocation(env.Data)...)
	}
	switch {
	case hasPointer(errs, "/reason"):
	case env.Op == "correct" && strings.TrimSpace(env.Reason) == "":
		errs = append(errs, catalog.FieldError{Code: "missing_field", Pointer: "/reason", Message: "a correction says why it was made: reason is required"})
	case len(env.Reason) > maxReason:
		errs = append(errs, catalog.FieldError{Code: "invalid_string", Pointer: "/reason", Message: fmt.Sprintf("reason is longer than %d bytes", maxReason)})
	case strings.ContainsRune(env.Reason, 0):
		errs = append(errs, nulError("/reason"))
	}
	slices.SortStableFunc(errs, func(a, b catalog.FieldError) int { return strings.Compare(a.Pointer, b.Pointer) })
	return env, errs
}

// readEnvelope reads, in one pass, an envelope whose fields are all known
// and of their types. It reports false for any other, for decodeEnvelope to
// say what is wrong with it.
func readEnvelope(raw json.RawMessage) (env envelope, hasOp, ok bool) {
	fields, decoded, ok := jsonvalue.MembersDecoding(raw, "data")
	if !ok {
		return env, false, false
	}
	env.decoded = decoded
	for _, f := range fields {
		v := f.Value
		switch f.Name {
		case "type":
			env.Type, ok = jsonvalue.String(v)
		case "op":
			env.Op, ok = jsonvalue.String(v)
			hasOp = true
		case "source_id":
			env.SourceID, ok = jsonvalue.String(v)
		case "catalog_version":
			n, err := strconv.ParseInt(string(v), 10, 0)
			env.CatalogVersion, ok = int(n), err == nil && n >= 1 && n <= math.MaxInt32
		case "data":
			env.Data, ok = v, v[0] == '{'
		case "reason":
			env.Reason, ok = jsonvalue.String(v)
		default:
			ok = false
		}
		if !ok {
			return envelope{}, false, false
		}
	}
	return env, hasOp, true
}

// decodeEnvelope decodes an envelope field by field and says what is wrong
// with each. It reports false when the envelope is not a JSON object.
func decodeEnvelope(raw json.RawMessage) (envelope, map[string]json.RawMessage, []catalog.FieldError, bool) {
	var env envelope
	var fields map[string]json.RawMessage
	err := json.Unmarshal(raw, &fields) // which checks the whole envelope first
	if syntax := new(json.SyntaxError); errors.As(err, &syntax) {
		return env, nil, []catalog.FieldError{{Code: "malformed_json", Pointer: "", Message: "this envelope is not valid JSON"}}, false
	}
	if err != nil {
		return env, nil, []catalog.FieldError{{Code: "wrong_type", Pointer: "", Message: "an envelope must be a JSON object"}}, false
	}
	var errs []catalog.FieldError
	for k, v := range fields {
		var err error
		if string(bytes.TrimSpace(v)) == "null" && envelopeTypes[k] != "" {
			// null is no value: not a field left out.
			errs = append(errs, catalog.FieldError{Code: "wrong_type", Pointer: "/" + k, Message: k + " must be " + envelopeTypes[k] + ", not null"})
			continue
		}
		switch k {
		case "type":
			err = json.Unmarshal(v, &env.Type)
		case "op":
			err = json.Unmarshal(v, &env.Op)
		case "source_id":
			err = json.Unmarshal(v, &env.SourceID)
		case "catalog_version":
			if err = json.Unmarshal(v, &env.CatalogVersion); err == nil && (env.CatalogVersion < 1 || env.CatalogVersion > math.MaxInt32) {
				err = errors.New("out of range")
			}
		case "data":
			env.Data = v
			if t := bytes.TrimSpace(v); len(t) == 0 || t[0] != '{' {
				err = errors.New("not an object")
			}
		case "reason":
			err = json.Unmarshal(v, &env.Reason)
		default:
			errs = append(errs, catalog.FieldError{Code: "unknown_field", Pointer: "/" + pointerEscape(k),
				Message: fmt.Sprintf("%q is not a field of an envelope (type, op, source_id, data, reason, catalog_version)", k)})
			continue
		}
		if err != nil {
			errs = append(errs, catalog.FieldError{Code: "wrong_type", Pointer: "/" + k, Message: k + " must be " + envelopeTypes[k]})
		}
	}
	return env, fields, errs, true
}

// submittedOps are the ops a department may send.
var submittedOps = []string{"upsert", "correct", "revoke"}

// maxReason bounds the reason of a correction or revocation, in bytes.
const maxReason = 2000

// checkRevocation checks the data of a revocation: at most {"reason": "..."}.
func checkRevocation(data json.RawMessage) []catalog.FieldError {
	var fields map[string]json.RawMessage
	json.Unmarshal(data, &fields) // an object, checked before
	var errs []catalog.FieldError
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if k != "reason" {
			errs = append(errs, catalog.FieldError{Code: "unknown_field", Pointer: "/data/" + pointerEscape(k),
				Message: fmt.Sprintf("%q is not a field of a revocation's data; it takes only reason", k)})
		}
	}
	if raw, ok := fields["reason"]; ok {
		var reason string
		switch err := json.Unmarshal(raw, &reason); {
		case err != nil:
			errs = append(errs, catalog.FieldError{Code: "wrong_type", Pointer: "/data/reason", Message: "reason must be a string"})
		case len(reason) > maxReason:
			errs = append(errs, catalog.FieldError{Code: "invalid_string", Pointer: "/data/reason", Message: fmt.Sprintf("reason is longer than %d bytes", maxReason)})
		case strings.ContainsRune(reason, 0):
			errs = append(errs, nulError("/data/reason"))
		}
	}
	return errs
}

// nulError refuses a string that holds U+0000, which the database cannot
// store.
func nulError(pointer string) catalog.FieldError {
	return catalog.FieldError{Code: "invalid_string", Pointer: pointer,
		Message: pointer[1:] + " contains the character U+0000, which cannot be stored"}
}

func hasPointer(errs []catalog.FieldError, pointer string) bool {
	for _, e := range errs {
		if e.Pointer == pointer {
			return true
		}
	}
	return false
}

// pointerEscape escapes a key for use in a JSON pointer (RFC 6901).
func pointerEscape(key string) string {
	return pointerEscaper.Replace(key)
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// revocationReason is the reason a revocation gives in its data, if any.
func revocationReason(data json.RawMessage) string {
	var d struct {
		Reason string `json:"reason"`
	}
	json.Unmarshal(data, &d) // checked by checkRevocation
	return d.Reason
}

// pastTense names what a change does to a record, for messages.
var pastTense = map[record.Op]string{record.OpCorrect: "corrected", record.OpRevoke: "revoked"}
