package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/credex/credex/internal/jsonvalue"
)

// Encode returns the value of r's Kafka message: the same bytes as
// json.Marshal(r), written without reflection. r.Data is copied as it is,
// not checked again: it must be compact JSON, as Build and Change make it.
func Encode(r *Record) ([]byte, error) {
	b := make([]byte, 0, 512+len(r.Data))
	b = appendField(b, `{"record_id":`, r.ID)
	b = appendField(b, `,"type":`, r.Type)
	b = appendField(b, `,"op":`, string(r.Op))
	b = strconv.AppendInt(append(b, `,"version":`...), int64(r.Version), 10)
	b = appendField(b, `,"department":`, r.Department)
	b = appendField(b, `,"source_id":`, r.SourceID)
	b = appendField(b, `,"subject_key":`, r.SubjectKey)
	b = appendField(b, `,"subject_name":`, r.SubjectName)
	b = appendField(b, `,"subject_masked":`, r.SubjectMasked)
	b = strconv.AppendInt(append(b, `,"catalog_version":`...), int64(r.CatalogVersion), 10)
	b = appendField(b, `,"content_hash":`, r.ContentHash)
	b = append(b, `,"data":`...)
	switch {
	case r.Data == nil:
		b = append(b, "null"...)
	case len(r.Data) == 0:
		return nil, errors.New("data is empty, not JSON")
	default:
		b = jsonvalue.AppendHTMLEscaped(b, r.Data)
	}
	b = appendField(b, `,"submission_id":`, r.SubmissionID)
	var err error
	if b, err = appendTime(b, `,"accepted_at":`, r.AcceptedAt); err != nil {
		return nil, fmt.Errorf("accepted_at: %w", err)
	}
	if r.Reason != "" {
		b = appendField(b, `,"reason":`, r.Reason)
	}
	if w := r.Display; w != nil {
		b, err = appendTime(b, `,"display":{"from":`, w.From)
		if err == nil {
			b, err = appendTime(b, `,"repair_from":`, w.RepairFrom)
		}
		if err == nil {
			b, err = appendTime(b, `,"until":`, w.Until)
		}
		if err != nil {
			return nil, fmt.Errorf("display: %w", err)
		}
		b = append(b, '}')
	}
	if len(r.Rewritten) > 0 {
		b = append(b, `,"rewritten":[`...)
		for i, rw := range r.Rewritten {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendField(b, `{"pointer":`, rw.Pointer)
			b = appendField(b, `,"rule":`, rw.Rule)
			b = appendField(b, `,"original":`, rw.Original)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

func appendField(b []byte, name, s string) []byte {
	return jsonvalue.AppendString(append(b, name...), s, true)
}

func appendTime(b []byte, name string, t time.Time) ([]byte, error) {
	v, err := t.MarshalJSON()
	return append(append(b, name...), v...), err
}

// Decode reads the value of a record's Kafka message as json.Unmarshal
// reads it into a zero Record, whether Encode or json.Marshal wrote it. Data
// is kept as a slice of data, not copied.
func Decode(data []byte) (*Record, error) {
	if r, ok := decode(data); ok {
		return r, nil
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// decode is Decode of the messages Encode writes; it reports false for any
// other form, such as a null or an unknown member, which json.Unmarshal
// then reads.
func decode(data []byte) (*Record, bool) {
	members, ok := jsonvalue.Members(data)
	if !ok {
		return nil, false
	}
	r := &Record{}
	for _, m := range members {
		v := m.Value
		switch m.Name {
		case "record_id":
			r.ID, ok = jsonvalue.String(v)
		case "type":
			r.Type, ok = jsonvalue.String(v)
		case "op":
			var op string
			op, ok = jsonvalue.String(v)
			r.Op = Op(op)
		case "version":
			r.Version, ok = integer(v)
		case "department":
			r.Department, ok = jsonvalue.String(v)
		case "source_id":
			r.SourceID, ok = jsonvalue.String(v)
		case "subject_key":
			r.SubjectKey, ok = jsonvalue.String(v)
		case "subject_name":
			r.SubjectName, ok = jsonvalue.String(v)
		case "subject_masked":
			r.SubjectMasked, ok = jsonvalue.String(v)
		case "catalog_version":
			r.CatalogVersion, ok = integer(v)
		case "content_hash":
			r.ContentHash, ok = jsonvalue.String(v)
		case "data":
			r.Data, ok = v, string(v) != "null"
		case "submission_id":
			r.SubmissionID, ok = jsonvalue.String(v)
		case "accepted_at":
			r.AcceptedAt, ok = timeOf(v)
		case "reason":
			r.Reason, ok = jsonvalue.String(v)
		case "display": // json.Unmarshal merges a repeated one
			r.Display, ok = windowOf(v)
			ok = ok && !seen(members, m.Name)
		case "rewritten":
			r.Rewritten, ok = rewrittenOf(v)
			ok = ok && !seen(members, m.Name)
		default:
			ok = false
		}
		if !ok {
			return nil, false
		}
	}
	return r, true
}

// seen reports whether members name name more than once.
func seen(members []jsonvalue.Member, name string) bool {
	n := 0
	for _, m := range members {
		if m.Name == name {
			n++
		}
	}
	return n > 1
}

// integer reads a JSON number that is a whole int, as json.Unmarshal does.
func integer(v []byte) (int, bool) {
	n, err := strconv.ParseInt(string(v), 10, 0)
	return int(n), err == nil
}

func timeOf(v []byte) (time.Time, bool) {
	var t time.Time
	if len(v) == 0 || v[0] != '"' {
		return t, false
	}
	return t, t.UnmarshalJSON(v) == nil
}

func windowOf(v []byte) (*Window, bool) {
	members, ok := jsonvalue.Members(v)
	if !ok {
		return nil, false
	}
	w := &Window{}
	for _, m := range members {
		switch m.Name {
		case "from":
			w.From, ok = timeOf(m.Value)
		case "repair_from":
			w.RepairFrom, ok = timeOf(m.Value)
		case "until":
			w.Until, ok = timeOf(m.Value)
		default:
			ok = false
		}
		if !ok {
			return nil, false
		}
	}
	return w, true
}

func rewrittenOf(v []byte) ([]Rewriting, bool) {
	items, ok := jsonvalue.Elements(v)
	if !ok {
		return nil, false
	}
	rws := make([]Rewriting, len(items))
	for i, item := range items {
		members, ok := jsonvalue.Members(item)
		if !ok {
			return nil, false
		}
		for _, m := range members {
			rw := &rws[i]
			switch m.Name {
			case "pointer":
				rw.Pointer, ok = jsonvalue.String(m.Value)
			case "rule":
				rw.Rule, ok = jsonvalue.String(m.Value)
			case "original":
				rw.Original, ok = jsonvalue.String(m.Value)
			default:
				ok = false
			}
			if !ok {
				return nil, false
			}
		}
	}
	return rws, true
}
