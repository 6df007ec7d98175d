package hub_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/credex/credex/connectors/source"
	"github.com/credex/credex/internal/testkit/pgtest"
	"github.com/credex/credex/internal/testkit/wait"
)

// departmentDB is a department's own database: a schema of the test server
// of its own, whose URL an environment variable of its own holds.
type departmentDB struct {
	t      *testing.T
	db     *pgxpool.Pool
	schema string
	env    string
}

func newDepartmentDB(t *testing.T) *departmentDB {
	t.Helper()
	url := pgtest.URL(t)
	suffix := make([]byte, 6)
	rand.Read(suffix)
	env := "CREDEX_TEST_DEPARTMENT_URL_" + strings.ToUpper(hex.EncodeToString(suffix))
	os.Setenv(env, url)
	t.Cleanup(func() { os.Unsetenv(env) })
	db, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	d := &departmentDB{t: t, db: db, env: env}
	d.db.QueryRow(context.Background(), "SELECT current_schema()").Scan(&d.schema)
	return d
}

func (d *departmentDB) exec(sql string, args ...any) {
	d.t.Helper()
	if _, err := d.db.Exec(context.Background(), sql, args...); err != nil {
		d.t.Fatalf("%s: %v", sql, err)
	}
}

// penaltiesTable is a market regulator's table of penalties, as such a
// department keeps it: a column per field, its own words for ops and types.
const penaltiesTable = `CREATE TABLE penalties (
    id             text PRIMARY KEY,
    updated_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    op             text NOT NULL DEFAULT '新增',
    reason         text,
    name           text,
    id_number      text,
    document_no    text,
    decision_date  date,
    authority_name text,
    authority_code text,
    legal_basis    text,
    severity       text,
    penalty_types  text,
    amount_yuan    text,
    facts          text
)`

// penaltiesConnector is the connectors file polling the penalties table.
const penaltiesConnector = `
connectors:
  - name: market-penalties
    department: market
    database:
      url_env: %s
      table: %s.penalties
      updated_at: updated_at
      key: id
      receipts_table: penalty_receipts
      poll: 50ms
      batch: %d
    mappings:
      - type: administrative_penalty
        columns:
          id: /source_id
          op: {to: /op, values: {新增: upsert, 更正: correct, 撤销: revoke}}
          reason: /reason
          name: /data/subject/name
          id_number: /data/subject/id_number
          document_no: /data/decision/document_no
          decision_date: {to: /data/decision/date, as: date}
          authority_name: /data/decision/authority/name
          authority_code: /data/decision/authority/credit_code
          legal_basis: /data/legal_basis
          severity: /data/severity
          penalty_types: {to: /data/penalty_types, as: list, values: {警告: warning, 罚款: fine}}
          amount_yuan: {to: /data/amount_yuan, as: number}
          facts: /data/facts
`

// pollPenalties creates the penalties table and starts its connector,
// reading batch rows at a time; the returned function stops it.
func (b *bundle) pollPenalties(t *testing.T, d *departmentDB, batch int) (stop func()) {
	t.Helper()
	d.exec(penaltiesTable)
	return b.startPolling(t, d, batch)
}

func (b *bundle) startPolling(t *testing.T, d *departmentDB, batch int) (stop func()) {
	t.Helper()
	known := func(code string) bool { _, ok := b.catalog.Type(code); return ok }
	f, err := source.Parse(fmt.Appendf(nil, penaltiesConnector, d.env, d.schema, batch), known)
	if err != nil {
		t.Fatal(err)
	}
	return b.runConnector(t, f.Connectors[0])
}

// manyPenalties creates the penalties table with n rows, prefix-NNNNNN,
// each a penalty of the same person, changed one after another.
func (d *departmentDB) manyPenalties(b *bundle, prefix string, n int) {
	d.t.Helper()
	d.exec(penaltiesTable)
	d.penaltyRow("template", "新增", "", b.penalty())
	d.exec(`INSERT INTO penalties (id, updated_at, op, name, id_number, document_no, decision_date, authority_name,
            authority_code, legal_basis, severity, penalty_types, amount_yuan, facts)
        SELECT $2 || '-' || lpad(i::text, 6, '0'), clock_timestamp(), op, name, id_number, document_no, decision_date,
            authority_name, authority_code, legal_basis, severity, penalty_types, amount_yuan, facts
        FROM penalties, generate_series(1, $1) AS i`, n, prefix)
	d.exec(`DELETE FROM penalties WHERE id = 'template'`)
}

// penaltyRow inserts (or replaces) the row id of the penalties table with
// the penalty data, its op and reason.
func (d *departmentDB) penaltyRow(id, op, reason string, data map[string]any) {
	d.t.Helper()
	subject, decision := data["subject"].(map[string]any), data["decision"].(map[string]any)
	authority := decision["authority"].(map[string]any)
	var types []string
	for _, p := range data["penalty_types"].([]any) {
		types = append(types, map[string]string{"warning": "警告", "fine": "罚款"}[p.(string)])
	}
	amount := ""
	if a, ok := data["amount_yuan"]; ok {
		amount = fmt.Sprint(a)
	}
	d.exec(`INSERT INTO penalties (id, updated_at, op, reason, name, id_number, document_no, decision_date,
            authority_name, authority_code, legal_basis, severity, penalty_types, amount_yuan, facts)
        VALUES ($1, clock_timestamp(), $2, NULLIF($3, ''), $4, $5, $6, $7, $8, $9, $10, $11, $12, NULLIF($13, ''), $14)
        ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at, op = excluded.op, reason = excluded.reason,
            name = excluded.name, id_number = excluded.id_number, document_no = excluded.document_no,
            decision_date = excluded.decision_date, authority_name = excluded.authority_name,
            authority_code = excluded.authority_code, legal_basis = excluded.legal_basis, severity = excluded.severity,
            penalty_types = excluded.penalty_types, amount_yuan = excluded.amount_yuan, facts = excluded.facts`,
		id, op, reason, subject["name"], subject["id_number"], decision["document_no"], decision["date"],
		authority["name"], authority["credit_code"], data["legal_basis"], data["severity"], strings.Join(types, "、"),
		amount, data["facts"])
}

// rowReceipt is a row of the department's receipts table.
type rowReceipt struct {
	status, recordID, updatedAt string
	version                     int
	unchanged                   bool
	errors                      []struct{ Code, Pointer, Column string }
}

// rowReceipts reads the receipts table, by key.
func (d *departmentDB) rowReceipts() map[string]rowReceipt {
	d.t.Helper()
	rows, err := d.db.Query(context.Background(), `SELECT key, status, coalesce(record_id, ''), updated_at,
        coalesce(version, 0), unchanged, coalesce(errors, '[]') FROM penalty_receipts`)
	if err != nil {
		d.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]rowReceipt{}
	for rows.Next() {
		var key string
		var r rowReceipt
		var errs []byte
		if err := rows.Scan(&key, &r.status, &r.recordID, &r.updatedAt, &r.version, &r.unchanged, &errs); err != nil {
			d.t.Fatal(err)
		}
		if err := json.Unmarshal(errs, &r.errors); err != nil {
			d.t.Fatal(err)
		}
		out[key] = r
	}
	if err := rows.Err(); err != nil {
		d.t.Fatal(err)
	}
	return out
}

// waitReceipts waits until the receipts table has n receipts with keys
// that pass has.
func (d *departmentDB) waitReceipts(n int, what string, has func(map[string]rowReceipt) bool) map[string]rowReceipt {
	d.t.Helper()
	var got map[string]rowReceipt
	wait.For(d.t, 60*time.Second, what, func() bool {
		got = d.rowReceiptsIfAny()
		return len(got) >= n && (has == nil || has(got))
	})
	return got
}

// rowReceiptsIfAny reads the receipts table, empty until the connector
// created it.
func (d *departmentDB) rowReceiptsIfAny() map[string]rowReceipt {
	d.t.Helper()
	var exists bool
	d.db.QueryRow(context.Background(), "SELECT to_regclass('penalty_receipts') IS NOT NULL").Scan(&exists)
	if !exists {
		return nil
	}
	return d.rowReceipts()
}

// TestDatabasePollingReadsRowsOfEqualTimesAcrossBatches polls, 3 rows at a
// time, five rows changed at the same instant and four a microsecond later:
// each row is read once, the cursor ends at the last row, exact to the
// microsecond.
func TestDatabasePollingReadsRowsOfEqualTimesAcrossBatches(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	d := newDepartmentDB(t)
	d.exec(penaltiesTable)
	for i := range 9 {
		d.penaltyRow(sourceID("EQ", i), "新增", "", b.penalty())
	}
	d.exec(`UPDATE penalties SET updated_at = CASE WHEN id < 'EQ-000005' THEN timestamptz '2026-03-01 10:00:00.123456+08'
        ELSE timestamptz '2026-03-01 10:00:00.123457+08' END`)
	b.startPolling(t, d, 3)

	got := d.waitReceipts(9, "9 receipts", nil)
	for i := range 9 {
		if r := got[sourceID("EQ", i)]; r.status != "accepted" || r.version != 1 || r.unchanged {
			t.Errorf("receipt of %s: %+v, want accepted at version 1, new", sourceID("EQ", i), r)
		}
	}
	if n := b.count(`SELECT count(*) FROM record_heads`); n != 9 {
		t.Errorf("ledger holds %d records, want 9", n)
	}
	var cursor string
	wait.For(t, 10*time.Second, "the cursor at the last row", func() bool {
		b.db.QueryRow(context.Background(), `SELECT position::text FROM connector_cursors WHERE connector = 'market-penalties'`).Scan(&cursor)
		return strings.Contains(cursor, "EQ-000008")
	})
	if !strings.Contains(cursor, "2026-03-01 02:00:00.123457+00") {
		t.Errorf("cursor %s: want the updated_at of the last row to the microsecond", cursor)
	}
	// A row changed later than the cursor is read; nothing before it again.
	d.penaltyRow("EQ-LATE", "新增", "", b.penalty())
	d.waitReceipts(10, "the receipt of a row added later", nil)
	if n := b.count(`SELECT count(*) FROM record_heads WHERE version > 1`); n != 0 {
		t.Errorf("%d records have a second version, want none", n)
	}
}

// TestDatabasePollingRestartLosesNothing stops the connector in the middle
// of 5,000 rows and starts a new one: every row gets a receipt and a record
// at version 1, none a second version.
func TestDatabasePollingRestartLosesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	d := newDepartmentDB(t)
	const rows = 5000
	d.manyPenalties(b, "R", rows)

	stop := b.startPolling(t, d, 500)
	d.waitReceipts(1000, "a first thousand receipts", nil)
	stop()
	if n := len(d.rowReceipts()); n == rows {
		t.Fatalf("the connector had read every row before it was stopped")
	}
	b.startPolling(t, d, 500)
	d.waitReceipts(rows, "every receipt", nil)

	for _, r := range d.rowReceipts() {
		if r.status != "accepted" || r.version != 1 {
			t.Fatalf("receipt %+v, want accepted at version 1", r)
		}
	}
	if n := b.count(`SELECT count(*) FROM record_heads WHERE version = 1`); n != rows {
		t.Errorf("ledger holds %d records at version 1, want %d", n, rows)
	}
	if n := b.count(`SELECT count(*) FROM record_heads WHERE version > 1`); n != 0 {
		t.Errorf("%d records have a second version, want none", n)
	}
	wait.For(t, 60*time.Second, "every version stored", func() bool {
		return b.count(`SELECT count(*) FROM record_versions`) == rows
	})
}

// TestDatabasePollingCorrectsAndRevokes changes a row as a department
// does: touched without change, it adds no version; corrected by its op
// column, it is version 2; revoked, version 3, and the record is revoked.
func TestDatabasePollingCorrectsAndRevokes(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	d := newDepartmentDB(t)
	b.pollPenalties(t, d, 500)
	p := b.penalty()
	d.penaltyRow("MR-1", "新增", "", p)
	first := d.waitReceipts(1, "the first version", nil)["MR-1"]
	if first.status != "accepted" || first.version != 1 {
		t.Fatalf("first receipt %+v, want accepted at version 1", first)
	}

	d.exec(`UPDATE penalties SET updated_at = clock_timestamp() WHERE id = 'MR-1'`)
	touched := d.waitReceipts(1, "the receipt of the touched row", func(r map[string]rowReceipt) bool {
		return r["MR-1"].updatedAt != first.updatedAt
	})["MR-1"]
	if touched.status != "accepted" || touched.version != 1 || !touched.unchanged {
		t.Errorf("receipt of the touched row %+v, want accepted unchanged at version 1", touched)
	}

	p["facts"] = "更正后的违法事实。"
	d.penaltyRow("MR-1", "更正", "事实认定有误", p)
	corrected := d.waitReceipts(1, "version 2", func(r map[string]rowReceipt) bool { return r["MR-1"].version == 2 })["MR-1"]
	if corrected.status != "accepted" || corrected.recordID != first.recordID {
		t.Errorf("receipt of the correction %+v, want accepted for record %s", corrected, first.recordID)
	}

	d.exec(`UPDATE penalties SET op = '撤销', reason = '行政复议撤销', updated_at = clock_timestamp() WHERE id = 'MR-1'`)
	d.waitReceipts(1, "version 3", func(r map[string]rowReceipt) bool { return r["MR-1"].version == 3 })
	if n := b.count(`SELECT count(*) FROM record_heads WHERE record_id = $1 AND state = 'revoked' AND version = 3`, first.recordID); n != 1 {
		t.Errorf("record %s is not revoked at version 3", first.recordID)
	}
	v := b.waitVersion(first.recordID, 3)
	if v.State != "revoked" || len(v.History) != 3 || v.History[1].Op != "correct" {
		t.Errorf("record %+v, want revoked with 3 versions, the second a correction", v)
	}
}

// TestDatabasePollingRejectsBadRowsAndGoesOn polls a row whose amount is
// not a number and one whose penalty type is none of the catalogue's: both
// get a rejected receipt naming the column, and the rows around and after
// them are accepted.
func TestDatabasePollingRejectsBadRowsAndGoesOn(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	d := newDepartmentDB(t)
	b.pollPenalties(t, d, 500)
	d.penaltyRow("GOOD-1", "新增", "", b.penalty())
	d.penaltyRow("BAD-AMOUNT", "新增", "", b.penalty())
	d.exec(`UPDATE penalties SET amount_yuan = '五千', updated_at = clock_timestamp() WHERE id = 'BAD-AMOUNT'`)
	d.penaltyRow("BAD-TYPE", "新增", "", b.penalty())
	d.exec(`UPDATE penalties SET penalty_types = '鞭刑', updated_at = clock_timestamp() WHERE id = 'BAD-TYPE'`)
	d.penaltyRow("GOOD-2", "新增", "", b.penalty())

	got := d.waitReceipts(4, "4 receipts", nil)
	for _, id := range []string{"GOOD-1", "GOOD-2"} {
		if got[id].status != "accepted" {
			t.Errorf("receipt of %s: %+v, want accepted", id, got[id])
		}
	}
	for id, col := range map[string]string{"BAD-AMOUNT": "amount_yuan", "BAD-TYPE": "penalty_types"} {
		r := got[id]
		if r.status != "rejected" || len(r.errors) == 0 || r.errors[0].Column != col {
			t.Errorf("receipt of %s: %+v, want rejected with an error in column %s", id, r, col)
		}
	}
	if c := got["BAD-AMOUNT"].errors; len(c) > 0 && c[0].Code != source.CodeInvalidCell {
		t.Errorf("error of BAD-AMOUNT %+v, want %s", c, source.CodeInvalidCell)
	}
	if c := got["BAD-TYPE"].errors; len(c) > 0 && (c[0].Code != "not_allowed_value" || c[0].Pointer != "/data/penalty_types/0") {
		t.Errorf("error of BAD-TYPE %+v, want not_allowed_value at /data/penalty_types/0", c)
	}
	d.penaltyRow("GOOD-3", "新增", "", b.penalty())
	if r := d.waitReceipts(5, "the receipt of a later row", nil)["GOOD-3"]; r.status != "accepted" {
		t.Errorf("receipt of GOOD-3: %+v, want accepted", r)
	}
}

// TestDatabasePollingOutlivesTheDepartmentDatabase takes the department's
// table away while rows wait: the connector warns once, retries, and reads
// the rows once the table is back.
func TestDatabasePollingOutlivesTheDepartmentDatabase(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	b := setup(t, options{logs: logs})
	d := newDepartmentDB(t)
	b.pollPenalties(t, d, 500)
	d.penaltyRow("BEFORE", "新增", "", b.penalty())
	d.waitReceipts(1, "the receipt of the first row", nil)

	d.exec(`ALTER TABLE penalties RENAME TO penalties_away`)
	time.Sleep(4 * time.Second) // retries after 0.5, 1 and 2 seconds
	d.exec(`INSERT INTO penalties_away (id, op, name) VALUES ('DURING', '新增', '王小明')`)
	d.exec(`ALTER TABLE penalties_away RENAME TO penalties`)
	d.penaltyRow("AFTER", "新增", "", b.penalty())

	got := d.waitReceipts(3, "the receipts of the rows written during and after the outage", nil)
	if got["DURING"].status != "rejected" || got["AFTER"].status != "accepted" {
		t.Errorf("receipts %+v, want DURING rejected (it has no data) and AFTER accepted", got)
	}
	// The end of the outage is noted once the poll that wrote the receipts returns.
	wait.For(t, 10*time.Second, "the note of the end of the outage", func() bool {
		return strings.Contains(logs.String(), "department database available again")
	})
	if n := strings.Count(logs.String(), "department database unavailable"); n != 1 {
		t.Errorf("%d warnings of the outage, want 1:\n%s", n, logs.String())
	}
}

// TestDatabaseConnectorNamesAMissingVariable: a connector whose URL
// variable is not set is refused, naming the variable.
func TestDatabaseConnectorNamesAMissingVariable(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	known := func(code string) bool { _, ok := b.catalog.Type(code); return ok }
	f, err := source.Parse(fmt.Appendf(nil, penaltiesConnector, "CREDEX_TEST_NO_SUCH_VARIABLE", "dept", 500), known)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.hub.Connector(context.Background(), f.Connectors[0])
	if err == nil || !strings.Contains(err.Error(), "CREDEX_TEST_NO_SUCH_VARIABLE") {
		t.Errorf("connector without its URL: %v, want an error naming CREDEX_TEST_NO_SUCH_VARIABLE", err)
	}
}
