package hub_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/credex/credex/internal/testkit/wait"
)

// TestPollingHubKilledMidRunStoresEveryRowOnce kills, with SIGKILL, the hub
// process that polls a department's table while it works through 6,000
// rows, starts another, and counts in the databases: every row has its
// receipt, every record is stored once, at version 1.
func TestPollingHubKilledMidRunStoresEveryRowOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noRelay: true})
	d := newDepartmentDB(t)
	const rows = 6000
	d.manyPenalties(b, "K", rows)
	connectors := fmt.Sprintf(penaltiesConnector, d.env, d.schema, 200)

	first := b.startConnectors(connectors)
	wait.For(t, 2*time.Minute, "the first thousand records admitted", func() bool {
		return b.count(`SELECT count(*) FROM record_heads`) >= 1000
	})
	first.Process.Kill() // SIGKILL: no cursor saved on the way out
	first.Wait()
	killedAt := b.count(`SELECT count(*) FROM record_heads`)
	if killedAt >= rows {
		t.Fatalf("the hub had admitted all %d rows before it was killed; the test proves nothing", rows)
	}
	t.Logf("killed the polling hub after %d of %d records", killedAt, rows)

	b.startConnectors(connectors)
	d.waitReceipts(rows, "a receipt for every row", nil)
	for key, r := range d.rowReceipts() {
		if r.status != "accepted" || r.version != 1 {
			t.Fatalf("row %s: receipt %+v, want accepted at version 1", key, r)
		}
	}
	if n := b.count(`SELECT count(*) FROM record_heads WHERE version = 1`); n != rows {
		t.Errorf("the ledger holds %d records at version 1, want %d", n, rows)
	}
	if n := b.count(`SELECT count(*) FROM record_heads WHERE version > 1`); n != 0 {
		t.Errorf("%d records have a second version, want none", n)
	}
	wait.For(t, time.Minute, "every version stored", func() bool {
		return b.count(`SELECT count(*) FROM record_versions`) >= rows
	})
	if n := b.count(`SELECT count(*) FROM record_versions`); n != rows {
		t.Errorf("the database holds %d versions, want %d", n, rows)
	}
}

// TestFileDropHubKilledMidFileStoresEveryRowOnce kills, with SIGKILL, the
// hub process that reads a 6,000-row GB18030 file dropped by a department,
// starts another, and counts: the result file has one line per row, bad
// rows rejected, every other record stored once, at version 1.
func TestFileDropHubKilledMidFileStoresEveryRowOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noRelay: true})
	inbox := t.TempDir()
	const rows = 6000
	envelopes, bad := penaltyRows(b, "kill", rows)
	drop(t, inbox, "penalties-kill.csv", penaltyCSV(t, envelopes))
	connectors := strings.Replace(strings.Replace(penaltyConnectors, "INBOX", inbox, 1), "batch: 500", "batch: 200", 1)

	first := b.startConnectors(connectors)
	wait.For(t, 2*time.Minute, "the first thousand records admitted", func() bool {
		return b.count(`SELECT count(*) FROM record_heads`) >= 1000
	})
	first.Process.Kill() // SIGKILL: no checkpoint written on the way out
	first.Wait()
	killedAt := b.count(`SELECT count(*) FROM record_heads`)
	if killedAt >= rows-len(bad) {
		t.Fatalf("the hub had admitted every row before it was killed; the test proves nothing")
	}
	t.Logf("killed the file drop's hub after %d of %d records", killedAt, rows-len(bad))

	b.startConnectors(connectors)
	lines := awaitResult(t, inbox, "penalties-kill.csv", 5*time.Minute)
	checkResult(t, b, lines, envelopes, bad)
	if n := b.count(`SELECT count(*) FROM record_heads WHERE version > 1`); n != 0 {
		t.Errorf("%d records have a second version, want none", n)
	}
	assertStored(t, b, rows-len(bad))
}
