package store_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"
)

// testIDKey is the record id key of store tests that make records.
var testIDKey = []byte("test-record-id-key-0123456789abc")

func TestRecordIDKeyIsMadeOnceForEveryHub(t *testing.T) {
	t.Parallel()
	st, ctx := setup(t)
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := st.RecordIDKey(ctx)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	if len(keys[0]) != 32 {
		t.Fatalf("key of %d bytes, want 32", len(keys[0]))
	}
	for _, k := range keys[1:] {
		if !bytes.Equal(k, keys[0]) {
			t.Fatalf("hubs got different keys: %x and %x", keys[0], k)
		}
	}
	again, err := st.RecordIDKey(ctx)
	if err != nil || !bytes.Equal(again, keys[0]) {
		t.Fatalf("the key changed: %x, then %x (%v)", keys[0], again, err)
	}
}

// A database with records whose ids were derived without a key is not
// migrated: resubmissions would get other ids.
func TestMigrateRefusesRecordsOfUnkeyedIDs(t *testing.T) {
	t.Parallel()
	st, db, ctx := setupWithPool(t)
	// Back to before keyed ids, with a record of that time.
	for _, q := range []string{
		`DROP TABLE record_id_key`,
		`DELETE FROM schema_migrations WHERE version = 15`,
		`INSERT INTO record_heads (record_id, version, content_hash, state, subject_key) VALUES ('rec_old', 1, '', 'active', 's')`,
	} {
		if _, err := db.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	err := st.Migrate(ctx)
	if err == nil || !strings.Contains(err.Error(), "derived without a key") {
		t.Fatalf("migrate over records of unkeyed ids = %v, want a refusal", err)
	}
}
