package hub_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/credex/credex/internal/testkit/wait"
)

// TestSinkKilledMidStreamStoresEveryRecordOnce kills the sink process with
// SIGKILL while it is writing, starts another, and checks that every
// accepted record is stored exactly once.
func TestSinkKilledMidStreamStoresEveryRecordOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noSink: true})
	const total, perBatch = 4000, 400
	first := b.startChild("sink")

	var accepted sync.WaitGroup
	accepted.Go(func() {
		for i := 0; i < total; i += perBatch {
			envs := make([]map[string]any, perBatch)
			for j := range envs {
				envs[j] = envelope("administrative_penalty", "upsert", sourceID("K", i+j), b.penalty())
			}
			if resp := b.submit(200, envs...); resp.Accepted != perBatch {
				t.Errorf("batch at %d: %d accepted, want %d", i, resp.Accepted, perBatch)
			}
		}
	})
	wait.For(t, 60*time.Second, "the sink to store 300 records", func() bool {
		return b.count(`SELECT count(*) FROM record_versions`) >= 300
	})
	first.Process.Kill() // SIGKILL: no clean close, no final commit
	first.Wait()
	killedAt := b.count(`SELECT count(*) FROM record_versions`)
	accepted.Wait()
	if killedAt >= total {
		t.Fatalf("the sink had stored all %d records before it was killed; the test proves nothing", total)
	}
	t.Logf("killed the sink after %d of %d records", killedAt, total)

	b.startChild("sink")
	wait.For(t, 90*time.Second, fmt.Sprintf("the restarted sink to store all %d records", total), func() bool {
		return b.count(`SELECT count(*) FROM record_versions`) >= total
	})
	time.Sleep(500 * time.Millisecond) // let redeliveries, if any, land
	if n := b.count(`SELECT count(*) FROM records`); n != total {
		t.Errorf("records = %d, want %d", n, total)
	}
	if n := b.count(`SELECT count(*) FROM record_versions`); n != total {
		t.Errorf("record versions = %d, want %d (each record once)", n, total)
	}
	if n := b.count(`SELECT count(*) FROM records WHERE version <> 1`); n != 0 {
		t.Errorf("%d records have a version other than 1", n)
	}
}
