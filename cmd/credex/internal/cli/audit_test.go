package cli

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/internal/testkit/kafkatest"
	"github.com/credex/credex/internal/testkit/pgtest"
	"github.com/credex/credex/pipeline"
	"github.com/credex/credex/store"
)

// auditBundle is a database with an audit log of six entries, and a Kafka
// checkpoint topic of its own, empty.
type auditBundle struct {
	url   string
	db    *pgxpool.Pool
	st    *store.Store
	kafka pipeline.KafkaConfig
	head  audit.Head // as `audit verify` printed it
}

func setupAudit(t *testing.T) *auditBundle {
	t.Helper()
	ctx := context.Background()
	b := &auditBundle{url: pgtest.URL(t),
		kafka: pipeline.KafkaConfig{Brokers: kafkatest.Brokers(t), Topics: pipeline.Topics{Prefix: kafkatest.Prefix(t)}}}
	if err := pipeline.EnsureTopics(ctx, b.kafka, b.kafka.Topics.AuditCheckpoints()); err != nil {
		t.Fatal(err)
	}
	var err error
	if b.st, err = store.Open(ctx, b.url); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.st.Close)
	if err := b.st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if b.db, err = pgxpool.New(ctx, b.url); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.db.Close)
	for i := range 6 {
		e := audit.Entry{Principal: "credit-bureau", Kind: "agency", Action: audit.RecordRead,
			Resource: fmt.Sprint("rec_", i), Subject: "subject", Purpose: "LB-2025-7", Result: audit.OK}
		if err := b.st.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	out, err := b.verify()
	m := regexp.MustCompile(`^audit log intact: (\d+) entries, last hash ([0-9a-f]{64})\nno checkpoint in Kafka topic \S+ yet`).FindStringSubmatch(out)
	if err != nil || m == nil || m[1] != "6" {
		t.Fatalf("audit verify of an untouched log = %q, %v; want intact with 6 entries", out, err)
	}
	b.head = audit.Head{Seq: 6, Hash: m[2]}
	return b
}

func (b *auditBundle) verify(args ...string) (string, error) {
	var out strings.Builder
	err := auditCmd(context.Background(), append([]string{"verify", "--database-url", b.url,
		"--kafka-brokers", strings.Join(b.kafka.Brokers, ","), "--topic-prefix", b.kafka.Topics.Prefix}, args...), &out)
	return out.String(), err
}

// checkpoint writes the head as a hub does, to the checkpoint topic.
func (b *auditBundle) checkpoint(t *testing.T, head audit.Head) {
	t.Helper()
	p := pipeline.NewProducer(b.kafka, prometheus.NewRegistry())
	defer p.Close()
	c := audit.Checkpoint{Head: head, At: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	if err := p.Publish(context.Background(), b.kafka.Topics.CheckpointMessage(c)); err != nil {
		t.Fatal(err)
	}
}

func (b *auditBundle) exec(t *testing.T, sql string) {
	t.Helper()
	if _, err := b.db.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// swap exchanges the given columns of entries 3 and 4.
const swap = `UPDATE audit_log AS a SET %[1]s FROM audit_log AS b WHERE (a.seq, b.seq) IN ((3, 4), (4, 3))`

func swapSQL(cols ...string) string {
	set := make([]string, len(cols))
	for i, c := range cols {
		set[i] = c + " = b." + c
	}
	return fmt.Sprintf(swap, strings.Join(set, ", "))
}

var entryColumns = []string{"at", "principal", "kind", "action", "resource", "subject", "purpose", "result"}

func TestAuditVerifyFindsTampering(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		sql  []string
		want error
		seq  int64
	}{
		{"a field changed", []string{`UPDATE audit_log SET purpose = 'curiosity' WHERE seq = 3`}, audit.ErrAltered, 3},
		{"a time changed", []string{`UPDATE audit_log SET at = at - interval '1 day' WHERE seq = 2`}, audit.ErrAltered, 2},
		{"a middle entry deleted", []string{`DELETE FROM audit_log WHERE seq = 3`}, audit.ErrMissing, 3},
		{"the first entry deleted", []string{`DELETE FROM audit_log WHERE seq = 1`}, audit.ErrMissing, 1},
		{"an entry deleted and the rest renumbered", []string{
			`DELETE FROM audit_log WHERE seq = 3`,
			`UPDATE audit_log SET seq = seq + 1000 WHERE seq > 3`,
			`UPDATE audit_log SET seq = seq - 1001 WHERE seq > 1000`,
			`UPDATE audit_head SET seq = seq - 1`,
		}, audit.ErrUnlinked, 3},
		{"two rows swapped whole", []string{swapSQL(append(entryColumns, "prev_hash", "hash")...)}, audit.ErrReordered, 3},
		{"two rows' contents swapped", []string{swapSQL(entryColumns...)}, audit.ErrAltered, 3},
		{"the last entry deleted", []string{`DELETE FROM audit_log WHERE seq = 6`}, audit.ErrTruncated, 6},
		{"every entry deleted", []string{`DELETE FROM audit_log`}, audit.ErrTruncated, 1},
		{"an entry added behind the hub's back", []string{
			`INSERT INTO audit_log SELECT 7, at, principal, kind, action, resource, subject, purpose, result, hash, hash FROM audit_log WHERE seq = 6`,
			`UPDATE audit_head SET seq = 7`,
		}, audit.ErrAltered, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupAudit(t)
			for _, sql := range tt.sql {
				b.exec(t, sql)
			}
			out, err := b.verify()
			var ce *audit.ChainError
			if !errors.Is(err, tt.want) || !errors.As(err, &ce) || ce.Seq != tt.seq {
				t.Fatalf("audit verify = %q, %v; want %v at entry %d", out, err, tt.want, tt.seq)
			}
			if out != "" {
				t.Errorf("audit verify printed %q about a broken log", out)
			}
			if want := fmt.Sprintf("audit log entry %d: %v", tt.seq, tt.want); !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q, want it to start %q", err, want)
			}
		})
	}
}

// TestAuditVerifyAnchorFindsARewrittenChain: whoever recomputes every hash
// after a change, and the head, passes the chain check; the hash printed by
// an earlier run, kept outside the database, still catches it.
func TestAuditVerifyAnchorFindsARewrittenChain(t *testing.T) {
	t.Parallel()
	b := setupAudit(t)
	anchor := fmt.Sprintf("%d:%s", b.head.Seq, b.head.Hash)
	if out, err := b.verify("--anchor", anchor); err != nil {
		t.Fatalf("audit verify --anchor on the untouched log: %q, %v", out, err)
	}

	forge(t, b, 3)
	if out, err := b.verify(); err != nil {
		t.Fatalf("a consistently rewritten chain: %q, %v; want it to pass the chain check (no checkpoint yet)", out, err)
	}
	_, err := b.verify("--anchor", anchor)
	if !errors.Is(err, audit.ErrRewritten) || !strings.Contains(err.Error(), "audit log entry 6: entry rewritten") || !strings.Contains(err.Error(), "--anchor") {
		t.Fatalf("audit verify --anchor on a rewritten chain = %v, want entry 6 rewritten, naming the anchor", err)
	}
	b.exec(t, `DELETE FROM audit_log WHERE seq = 6`)
	b.exec(t, `UPDATE audit_head SET seq = 5, hash = (SELECT hash FROM audit_log WHERE seq = 5)`)
	if _, err := b.verify("--anchor", anchor); !errors.Is(err, audit.ErrTruncated) || !strings.Contains(err.Error(), "--anchor") {
		t.Fatalf("audit verify --anchor on a log cut before the anchor = %v, want truncated, naming the anchor", err)
	}
}

// TestAuditVerifyFindsTheNewestEntriesCutOff: deleting the newest rows with
// plain SQL and moving the head back passes the chain check, but not the
// check against the hubs' checkpoint in Kafka, which the error names; no
// anchor is needed.
func TestAuditVerifyFindsTheNewestEntriesCutOff(t *testing.T) {
	t.Parallel()
	b := setupAudit(t)
	b.checkpoint(t, b.head)
	out, err := b.verify()
	if err != nil || !strings.Contains(out, fmt.Sprintf("holds the checkpoint 6:%s", b.head.Hash)) {
		t.Fatalf("audit verify of the untouched log = %q, %v; want it to hold the checkpoint", out, err)
	}

	b.exec(t, `DELETE FROM audit_log WHERE seq > 4`)
	b.exec(t, `UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit_log WHERE seq = 4)`)
	if out, err := b.verify("--chain-only"); err != nil || !strings.Contains(out, "could have been cut off") {
		t.Fatalf("audit verify --chain-only of the cut log = %q, %v; want the chain to pass, with the warning", out, err)
	}
	out, err = b.verify()
	var ce *audit.ChainError
	if !errors.Is(err, audit.ErrTruncated) || !errors.As(err, &ce) || ce.Seq != 5 {
		t.Fatalf("audit verify of the cut log = %q, %v; want truncated at entry 5", out, err)
	}
	for _, want := range []string{"the log ends at 4", "checkpoint 6:" + b.head.Hash, "Kafka topic " + b.kafka.Topics.AuditCheckpoints() + ", offset 0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}

	// After a restore to entry 4, checkpoints from the one written since count.
	b.checkpoint(t, audit.Head{Seq: 4, Hash: hashOf(t, b, 4)})
	if out, err := b.verify("--checkpoints-from", "1"); err != nil || !strings.Contains(out, "holds the checkpoint 4:") {
		t.Errorf("audit verify --checkpoints-from 1 = %q, %v; want the log to hold the checkpoint written after the restore", out, err)
	}
}

// TestAuditVerifyFindsARewrittenChainByItsCheckpoint: a chain rewritten
// with every hash and the head recomputed contradicts the checkpoint.
func TestAuditVerifyFindsARewrittenChainByItsCheckpoint(t *testing.T) {
	t.Parallel()
	b := setupAudit(t)
	b.checkpoint(t, b.head)
	forge(t, b, 3)
	if _, err := b.verify(); !errors.Is(err, audit.ErrRewritten) || !strings.Contains(err.Error(), "audit log entry 6: entry rewritten") {
		t.Fatalf("audit verify of a rewritten chain = %v, want entry 6 rewritten", err)
	}
}

// TestAuditVerifyNeedsTheCheckpoints: without Kafka, or without its
// checkpoint topic, verify refuses rather than pass unchecked.
func TestAuditVerifyNeedsTheCheckpoints(t *testing.T) {
	t.Parallel()
	b := setupAudit(t)
	if _, err := b.verify("--kafka-brokers="); err == nil || !strings.Contains(err.Error(), "--chain-only") {
		t.Errorf("audit verify without brokers = %v, want an error that names --chain-only", err)
	}
	if _, err := b.verify("--topic-prefix", b.kafka.Topics.Prefix+"gone."); !errors.Is(err, pipeline.ErrNoCheckpointTopic) {
		t.Errorf("audit verify without the checkpoint topic = %v, want ErrNoCheckpointTopic", err)
	}
}

// forge changes the result of entry seq and recomputes every hash after it
// and the head, as someone who can write the database could.
func forge(t *testing.T, b *auditBundle, seq int64) {
	t.Helper()
	entries, err := b.st.AuditEntries(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var head audit.Head
	for _, e := range entries {
		if e.Seq == seq {
			e.Result = audit.Refused
		}
		forged := head.Next(e.Entry)
		head = forged.Head()
		b.exec(t, fmt.Sprintf(`UPDATE audit_log SET result = '%s', prev_hash = '%s', hash = '%s' WHERE seq = %d`,
			forged.Result, forged.PrevHash, forged.Hash, forged.Seq))
	}
	b.exec(t, fmt.Sprintf(`UPDATE audit_head SET hash = '%s'`, head.Hash))
}

// hashOf returns the hash of entry seq.
func hashOf(t *testing.T, b *auditBundle, seq int64) string {
	t.Helper()
	var hash string
	if err := b.db.QueryRow(context.Background(), `SELECT hash FROM audit_log WHERE seq = $1`, seq).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	return hash
}

func TestAuditVerifyUsage(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	if err := auditCmd(context.Background(), nil, &out); !errors.Is(err, errUsage) || !strings.Contains(out.String(), "verify") {
		t.Errorf("credex audit = %v, %q; want usage listing verify", err, out.String())
	}
	for _, args := range [][]string{{"verify", "--anchor", "six"}, {"verify", "extra"}} {
		if err := auditCmd(context.Background(), append(args, "--database-url", "postgres://nowhere"), &out); !errors.Is(err, errUsage) {
			t.Errorf("credex audit %v = %v, want a usage error", args, err)
		}
	}
}
