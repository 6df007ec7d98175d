package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/credex/credex/connectors/source"
)

// databaseDoor is a department's table of envelopes the hub polls: a row
// per record, its data in a jsonb column, changed in place when the record
// is sent again; receipts come back in the department's receipts table.
type databaseDoor struct {
	b    *bundle
	dept *departmentDB
	conn source.Connector
	stop func()
}

// doorConnector polls the door's table.
const doorConnector = `
connectors:
  - name: market-table
    department: market
    database:
      url_env: %s
      table: records_out
      updated_at: changed_at
      key: source_id
      receipts_table: records_receipts
      poll: 50ms
    mappings:
      - type: administrative_penalty
        columns:
          source_id: /source_id
          op: /op
          reason: /reason
          data: {to: /data, as: json}
`

func newDatabaseDoor(t *testing.T, b *bundle) door {
	dept := newDepartmentDB(t)
	dept.exec(`CREATE TABLE records_out (
        source_id  text PRIMARY KEY,
        changed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        op         text NOT NULL,
        reason     text,
        data       jsonb
    )`)
	known := func(code string) bool { _, ok := b.catalog.Type(code); return ok }
	f, err := source.Parse(fmt.Appendf(nil, doorConnector, dept.env), known)
	if err != nil {
		t.Fatal(err)
	}
	d := &databaseDoor{b: b, dept: dept, conn: f.Connectors[0]}
	d.start(t)
	return d
}

func (d *databaseDoor) start(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r, err := d.b.hub.Connector(ctx, d.conn)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	stopped := false
	d.stop = func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("connector: %v", err)
			}
		}
	}
	t.Cleanup(d.stop)
}

// send writes a row per envelope, in one transaction, as a department's
// application does.
func (d *databaseDoor) send(t *testing.T, envelopes []map[string]any) {
	var ids, ops, reasons, data []string
	for _, e := range envelopes {
		if e["type"] != "administrative_penalty" {
			t.Fatalf("the table holds penalties, not %v", e["type"])
		}
		raw, err := json.Marshal(e["data"])
		if err != nil {
			t.Fatal(err)
		}
		reason, _ := e["reason"].(string)
		ids, ops, reasons, data = append(ids, e["source_id"].(string)), append(ops, e["op"].(string)), append(reasons, reason), append(data, string(raw))
	}
	d.dept.exec(`INSERT INTO records_out (source_id, changed_at, op, reason, data)
        SELECT s, clock_timestamp(), o, NULLIF(r, ''), NULLIF(j, 'null')::jsonb FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS e (s, o, r, j)
        ON CONFLICT (source_id) DO UPDATE SET changed_at = excluded.changed_at, op = excluded.op,
            reason = excluded.reason, data = excluded.data`, ids, ops, reasons, data)
}

// receipts reads the receipts table, whose key is the source_id.
func (d *databaseDoor) receipts(t *testing.T) map[string]doorReceipt {
	var exists bool
	d.dept.db.QueryRow(context.Background(), "SELECT to_regclass('records_receipts') IS NOT NULL").Scan(&exists)
	if !exists {
		return nil
	}
	rows, err := d.dept.db.Query(context.Background(), `SELECT key, status, coalesce(record_id, ''), coalesce(version, 0),
        coalesce(errors, '[]') FROM records_receipts`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]doorReceipt{}
	for rows.Next() {
		var key string
		var r doorReceipt
		var raw []byte
		if err := rows.Scan(&key, &r.status, &r.recordID, &r.version, &raw); err != nil {
			t.Fatal(err)
		}
		var errs []struct{ Code string }
		if err := json.Unmarshal(raw, &errs); err != nil {
			t.Fatal(err)
		}
		for _, e := range errs {
			r.codes = append(r.codes, e.Code)
		}
		out[key] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// restart cancels the connector, mid-batch if it is at work, and starts
// another from the cursor the hub kept.
func (d *databaseDoor) restart(t *testing.T) {
	d.stop()
	d.start(t)
}
