package record

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// fullRecord has every field set, with strings that encoding/json escapes.
func fullRecord() *Record {
	at := time.Date(2026, 3, 1, 9, 30, 0, 123456789, time.UTC)
	from := time.Date(2026, 2, 28, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	return &Record{
		ID: "rec_abc", Type: "administrative_penalty", Op: OpCorrect, Version: 7, Department: "11100000000000000A",
		SourceID: "P-1 <&> \"q\" \\ \u2028 \x01", SubjectKey: "ab12", SubjectName: "王小明", SubjectMasked: "5001**********1934",
		CatalogVersion: 3, ContentHash: "ff00",
		Data:         json.RawMessage(`{"a":"<b> & \u2029 c","n":[1,2.5e3,null,true],"s":"\"王\""}`),
		SubmissionID: "sub_x", AcceptedAt: at, Reason: "wrong <amount>",
		Display:   &Window{From: from, RepairFrom: from.AddDate(0, 3, 0), Until: from.AddDate(1, 0, 0)},
		Rewritten: []Rewriting{{Pointer: "/subject/id_number", Rule: "upgraded_15_digit", Original: "500103660704193"}, {Pointer: "/x", Rule: "trimmed_space", Original: " y "}},
	}
}

// The message value is the same whether Encode or json.Marshal wrote it,
// and decodes back to the record, whichever wrote it.
func TestEncodeIsJSONMarshal(t *testing.T) {
	t.Parallel()
	minimal := &Record{ID: "rec_1", Op: OpUpsert, Version: 1, Data: json.RawMessage(`{}`)}
	noData := &Record{ID: "rec_2", Op: OpRevoke, Version: 2}
	for name, r := range map[string]*Record{"full": fullRecord(), "minimal": minimal, "no data": noData} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Encode(r)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Fatalf("Encode =\n%s\nwant json.Marshal =\n%s", got, want)
			}
			var old Record
			if err := json.Unmarshal(want, &old); err != nil {
				t.Fatal(err)
			}
			back, err := Decode(got)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, &old) {
				t.Fatalf("Decode(Encode(r)) =\n%+v\nwant json.Unmarshal =\n%+v", back, &old)
			}
			if _, ok := decode(got); !ok && r.Data != nil {
				t.Fatalf("Decode read %s through encoding/json", got)
			}
		})
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	t.Parallel()
	r := fullRecord()
	r.Data = json.RawMessage(`{"a":"b"}`) // no characters json.Marshal escapes
	v, err := Encode(r)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(v)
	if err != nil {
		t.Fatal(err)
	}
	// Times come back in a zone of their own offset, at the same instant.
	for _, p := range [][2]*time.Time{{&back.AcceptedAt, &r.AcceptedAt}, {&back.Display.From, &r.Display.From},
		{&back.Display.RepairFrom, &r.Display.RepairFrom}, {&back.Display.Until, &r.Display.Until}} {
		if !p[0].Equal(*p[1]) {
			t.Fatalf("time %v came back as %v", *p[1], *p[0])
		}
		*p[0] = *p[1]
	}
	if !reflect.DeepEqual(back, r) {
		t.Fatalf("Decode(Encode(r)) =\n%+v\nwant\n%+v", back, r)
	}
}

// Values json.Unmarshal reads in its own way are read as it reads them.
func TestDecodeAsJSONUnmarshal(t *testing.T) {
	t.Parallel()
	for _, v := range []string{
		`{"record_id":"rec_1","version":2,"data":null,"display":null,"rewritten":null,"reason":null}`,
		`{"Record_ID":"rec_1","extra":{"a":1},"version":3}`,
		` {"record_id" : "r\u00e9c" , "data" : [ 1 , 2 ] , "rewritten" : [ ] } `,
		`{"version":"1"}`, `{"version":1.5}`, `{"accepted_at":"yesterday"}`, `{"data":`, `[]`, `null`,
	} {
		var want Record
		wantErr := json.Unmarshal([]byte(v), &want)
		got, err := Decode([]byte(v))
		if (err != nil) != (wantErr != nil) || err == nil && !reflect.DeepEqual(got, &want) {
			t.Errorf("Decode(%s) = %+v, %v; want %+v, %v", v, got, err, want, wantErr)
		}
	}
}

// What json.Marshal cannot encode, Encode refuses too.
func TestEncodeRefusesWhatJSONMarshalDoes(t *testing.T) {
	t.Parallel()
	late := fullRecord()
	late.AcceptedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	lateWindow := fullRecord()
	lateWindow.Display.Until = late.AcceptedAt
	empty := fullRecord()
	empty.Data = json.RawMessage{}
	for name, r := range map[string]*Record{"accepted in year 10000": late, "displayed until year 10000": lateWindow, "empty data": empty} {
		if _, err := json.Marshal(r); err == nil {
			t.Fatalf("%s: json.Marshal took it", name)
		}
		if v, err := Encode(r); err == nil {
			t.Errorf("%s: Encode = %s, want an error", name, v)
		}
	}
}

// FuzzDecode checks that Decode reads whatever it is given as json.Unmarshal
// reads it into a zero Record.
func FuzzDecode(f *testing.F) {
	full, _ := Encode(fullRecord())
	f.Add(string(full))
	f.Add(`{"record_id":"rec_1","version":2,"data":null,"display":null,"rewritten":null,"reason":null}`)
	f.Add(`{"display":{"from":"2026-01-01T00:00:00Z"},"display":{"until":"2026-01-01T00:00:00+08:00"}}`)
	f.Add(`{"rewritten":[{"rule":"a"}],"rewritten":[{"pointer":"/x"}],"version":-0}`)
	f.Fuzz(func(t *testing.T, v string) {
		var want Record
		wantErr := json.Unmarshal([]byte(v), &want)
		got, err := Decode([]byte(v))
		if (err != nil) != (wantErr != nil) || err == nil && !reflect.DeepEqual(got, &want) {
			t.Fatalf("Decode(%s) = %+v, %v; want %+v, %v", v, got, err, want, wantErr)
		}
	})
}
