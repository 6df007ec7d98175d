package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/connectors/httpin"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/internal/testkit/wait"
	"github.com/credex/credex/pipeline"
	"github.com/credex/credex/record"
	"github.com/credex/credex/schemas"
	"github.com/credex/credex/store"
)

// The benchmarks below measure the hub stage by stage on the real broker and
// database, so that one run shows where the time of a record goes:
//
//	deploy/local/test.sh -run '^$' -bench . ./hub/
//
// BenchmarkEndToEnd times HTTP submission through Kafka to the sink's commit;
// BenchmarkIngest the submission alone (validation, ledger, Kafka
// acknowledgement); BenchmarkValidate, BenchmarkLedgerAdmit,
// BenchmarkKafkaProduce and BenchmarkDatabaseWrite one stage each. An op is
// one record everywhere, so ns/op compare across them; records/s says the
// same as a rate. Each benchmark starts a hub of its own (schema and topic
// prefix) once and runs its measurements as sub-benchmarks on it.

const (
	// benchClients is how many departments submit at the same time.
	benchClients = 4
	// submitBatch is the number of records per submission or Kafka write.
	submitBatch = 100
	// sinkBatch is the number of records per database transaction, as the
	// sink's default MaxBatch.
	sinkBatch = 500
)

// benchSeq numbers the source ids of benchmark records, so that every record
// submitted is new to the hub.
var benchSeq atomic.Int64

// sourceIDs reserves n fresh source ids.
func sourceIDs(n int) []string {
	first := int(benchSeq.Add(int64(n))) - n
	ids := make([]string, n)
	for i := range ids {
		ids[i] = sourceID("bench", first+i)
	}
	return ids
}

// realisticPenalty is a valid administrative penalty about a new synthetic
// person, with its own document number and fine.
func (b *bundle) realisticPenalty() map[string]any {
	d := b.penalty()
	d["decision"].(map[string]any)["document_no"] = fmt.Sprintf("示交罚〔2025〕%06d号", b.rand.IntN(1_000_000))
	d["amount_yuan"] = 100 * (1 + b.rand.IntN(500))
	return d
}

// submissions encodes n new penalties as JSON submissions of at most size
// records each.
func (b *bundle) submissions(n, size int) [][]byte {
	var bodies [][]byte
	for ids := range slices.Chunk(sourceIDs(n), size) {
		envs := make([]map[string]any, len(ids))
		for i, id := range ids {
			envs[i] = envelope("administrative_penalty", "upsert", id, b.realisticPenalty())
		}
		bodies = append(bodies, batch(envs...))
	}
	return bodies
}

// records builds n new penalties as the ingest handler hands them to the
// ledger and Kafka: canonical data, hashes, subject key, version 1.
func (b *bundle) records(n int) []*record.Record {
	rt, _ := b.catalog.Type("administrative_penalty")
	now := time.Now().UTC()
	recs := make([]*record.Record, n)
	for i, id := range sourceIDs(n) {
		data, err := json.Marshal(b.realisticPenalty())
		if err == nil {
			data, err = record.Canonical(data)
		}
		if err != nil {
			b.t.Fatal(err)
		}
		name, idNumber, err := rt.Subject(data)
		if err != nil {
			b.t.Fatal(err)
		}
		hash, err := record.ContentHash(record.OpUpsert, data)
		if err != nil {
			b.t.Fatal(err)
		}
		recs[i] = &record.Record{
			ID: record.ID(b.idKey, b.market.Code, rt.Code, id), Type: rt.Code, Op: record.OpUpsert, Version: 1,
			Department: b.market.Code, SourceID: id, SubjectKey: record.SubjectKey(b.cfg.SubjectKey, idNumber),
			SubjectName: name, SubjectMasked: ident.MaskCitizenID(idNumber), CatalogVersion: rt.Version,
			ContentHash: hash, Data: data, SubmissionID: "sub_bench", AcceptedAt: now,
		}
	}
	return recs
}

// submitAll posts bodies as the market regulator from clients concurrent
// clients and returns the latency of each submission. Every record must be
// accepted (or pending).
func (b *bundle) submitAll(tb testing.TB, bodies [][]byte, clients int) []time.Duration {
	tb.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	defer client.CloseIdleConnections()
	return runClients(tb, len(bodies), clients, func(i int) error {
		req, err := http.NewRequest(http.MethodPost, b.url+"/v1/submissions", bytes.NewReader(bodies[i]))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+marketKey)
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		var resp httpin.Response
		if err := json.NewDecoder(res.Body).Decode(&resp); err != nil {
			return fmt.Errorf("decode answer (%s): %w", res.Status, err)
		}
		// 202: Kafka has not confirmed some records within the hub's wait,
		// as under a load above what it takes; the ledger has them.
		if (res.StatusCode != http.StatusOK && res.StatusCode != http.StatusAccepted) || resp.Rejected != 0 {
			return fmt.Errorf("submission answered %s with %d accepted, %d rejected (%s)",
				res.Status, resp.Accepted, resp.Rejected, resp.Code)
		}
		return nil
	})
}

// runClients calls do for every job in 0..jobs-1 from clients goroutines and
// returns how long each call took. It fails tb on the first error.
func runClients(tb testing.TB, jobs, clients int, do func(job int) error) []time.Duration {
	tb.Helper()
	latencies := make([]time.Duration, jobs)
	next := make(chan int)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for range clients {
		wg.Go(func() {
			for i := range next {
				start := time.Now()
				err := do(i)
				latencies[i] = time.Since(start)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		tb.Fatal(firstErr)
	}
	return latencies
}

// storedVersions counts the record versions the sink has committed.
func storedVersions(tb testing.TB, db *pgxpool.Pool) int {
	tb.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT count(*) FROM record_versions`).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// waitStored polls until the sink has committed want record versions.
func waitStored(tb testing.TB, db *pgxpool.Pool, want int) {
	tb.Helper()
	wait.For(tb, time.Minute, fmt.Sprintf("the sink to store %d record versions", want), func() bool {
		return storedVersions(tb, db) >= want
	})
}

// reportRate reports records/s, where an op is one record.
func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// reportLatency reports the median and 99th percentile of latencies, in
// milliseconds, under the given name.
func reportLatency(b *testing.B, name string, latencies []time.Duration) {
	if len(latencies) == 0 {
		return
	}
	slices.Sort(latencies)
	at := func(p int) float64 {
		return float64(latencies[min(len(latencies)-1, len(latencies)*p/100)]) / float64(time.Millisecond)
	}
	b.ReportMetric(at(50), name+"-p50-ms")
	b.ReportMetric(at(99), name+"-p99-ms")
}

// BenchmarkEndToEnd submits b.N records over HTTP, in batches from several
// clients, and stops the clock when the sink has committed the last of them
// to the database. drain-ms is the time from the last receipt to that commit:
// how far the sink lags behind ingest; stored-p50-ms and stored-p99-ms run
// from each record's acceptance by the hub to the sink's transaction that
// stored it.
func BenchmarkEndToEnd(b *testing.B) {
	bb := setup(b, options{})
	// Until the sink has joined its group and stored a batch, records wait
	// for a rebalance rather than for the hub.
	bb.submitAll(b, bb.submissions(submitBatch, submitBatch), 1)
	waitStored(b, bb.db, submitBatch)

	b.Run(fmt.Sprintf("clients=%d/batch=%d", benchClients, submitBatch), func(b *testing.B) {
		want := storedVersions(b, bb.db) + b.N
		bodies := bb.submissions(b.N, submitBatch)
		b.ResetTimer()
		start := time.Now()
		latencies := bb.submitAll(b, bodies, benchClients)
		received := time.Now()
		waitStored(b, bb.db, want)
		b.StopTimer()
		reportRate(b)
		reportLatency(b, "submit", latencies)
		b.ReportMetric(float64(time.Since(received))/float64(time.Millisecond), "drain-ms")
		reportStored(b, bb.db, start)
	})

	// At a steady rate below what the hub takes, the latency is the hub's
	// own, not time spent queueing behind a flat-out load; at a rate above
	// it, the latency grows with the queue.
	for _, steadyRate := range []int{1000, 5000} { // records/s offered
		bb.steady(b, steadyRate)
	}
}

// steady submits b.N records at rate records/s, a submission at a time on
// a ticker whatever the answers, and reports the rate stored and the
// latency from acceptance to storing.
func (bb *bundle) steady(b *testing.B, rate int) {
	b.Run(fmt.Sprintf("steady=%d/s", rate), func(b *testing.B) {
		want := storedVersions(b, bb.db) + b.N
		bodies := bb.submissions(b.N, submitBatch)
		b.ResetTimer()
		start := time.Now()
		tick := time.NewTicker(time.Second * submitBatch / time.Duration(rate))
		defer tick.Stop()
		var sent sync.WaitGroup
		for i := range bodies {
			sent.Go(func() { bb.submitAll(b, bodies[i:i+1], 1) })
			<-tick.C
		}
		sent.Wait()
		waitStored(b, bb.db, want)
		b.StopTimer()
		reportRate(b)
		reportStored(b, bb.db, start)
	})
}

// reportStored reports the median and 99th percentile, in milliseconds, of
// the time from a record's acceptance to its storing, over the versions
// accepted since start.
func reportStored(b *testing.B, db *pgxpool.Pool, start time.Time) {
	var p50, p99 float64
	if err := db.QueryRow(context.Background(), `SELECT
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM stored_at - accepted_at)),
            percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM stored_at - accepted_at))
        FROM record_versions WHERE accepted_at >= $1`, start).Scan(&p50, &p99); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(1000*p50, "stored-p50-ms")
	b.ReportMetric(1000*p99, "stored-p99-ms")
}

// BenchmarkIngest submits b.N records over HTTP, in batches from several
// clients, with no sink running: validation, ledger and Kafka acknowledgement.
func BenchmarkIngest(b *testing.B) {
	bb := setup(b, options{noSink: true})
	bb.submitAll(b, bb.submissions(submitBatch, submitBatch), 1) // connect to the brokers

	b.Run(fmt.Sprintf("clients=%d/batch=%d", benchClients, submitBatch), func(b *testing.B) {
		bodies := bb.submissions(b.N, submitBatch)
		b.ResetTimer()
		latencies := bb.submitAll(b, bodies, benchClients)
		b.StopTimer()
		reportRate(b)
		reportLatency(b, "submit", latencies)
	})
}

// BenchmarkValidate validates generated penalties against the catalogue, on
// one goroutine and on every processor.
func BenchmarkValidate(b *testing.B) {
	cat, err := catalog.Load(schemas.FS)
	if err != nil {
		b.Fatal(err)
	}
	rt, _ := cat.Type("administrative_penalty")
	gen := &bundle{t: b, catalog: cat, rand: rand.New(rand.NewPCG(1, 2))}
	payloads := make([]json.RawMessage, 1024)
	for i := range payloads {
		if payloads[i], err = json.Marshal(gen.realisticPenalty()); err != nil {
			b.Fatal(err)
		}
	}

	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if errs := rt.Validate(payloads[i%len(payloads)]); errs != nil {
				b.Fatal(errs)
			}
			i++
		}
		reportRate(b)
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		var failed atomic.Bool
		b.RunParallel(func(pb *testing.PB) {
			i := rand.IntN(len(payloads))
			for pb.Next() {
				if rt.Validate(payloads[i%len(payloads)]) != nil {
					failed.Store(true)
				}
				i++
			}
		})
		if failed.Load() {
			b.Fatal("a generated penalty is invalid")
		}
		reportRate(b)
	})
}

// BenchmarkKafkaProduce publishes b.N record messages with acks=all in
// batches, from one caller and from several (whose writes the producer
// batches together, as it does for concurrent submissions).
func BenchmarkKafkaProduce(b *testing.B) {
	bb := setup(b, options{noSink: true})
	p := pipeline.NewProducer(bb.cfg.Kafka, prometheus.NewRegistry())
	b.Cleanup(func() { p.Close() })
	messages := func(tb testing.TB, n int) []kafka.Message {
		msgs := make([]kafka.Message, n)
		for i, r := range bb.records(n) {
			m, err := bb.cfg.Kafka.Topics.Message(r)
			if err != nil {
				tb.Fatal(err)
			}
			msgs[i] = m
		}
		return msgs
	}
	if err := p.Publish(context.Background(), messages(b, 1)...); err != nil { // connect to the brokers
		b.Fatal(err)
	}

	for _, clients := range []int{1, benchClients} {
		b.Run(fmt.Sprintf("clients=%d/batch=%d", clients, submitBatch), func(b *testing.B) {
			batches := slices.Collect(slices.Chunk(messages(b, b.N), submitBatch))
			b.ResetTimer()
			latencies := runClients(b, len(batches), clients, func(i int) error {
				return p.Publish(context.Background(), batches[i]...)
			})
			b.StopTimer()
			reportRate(b)
			reportLatency(b, "publish", latencies)
		})
	}
}

// BenchmarkLedgerAdmit reserves versions for b.N new records with
// store.Store.Admit, in batches from several clients as concurrent
// submissions do, up to the outbox: the ledger's share of ingest.
func BenchmarkLedgerAdmit(b *testing.B) {
	bb := setup(b, options{noSink: true})
	st := bb.hub.Store()

	b.Run(fmt.Sprintf("clients=%d/batch=%d", benchClients, submitBatch), func(b *testing.B) {
		batches := slices.Collect(slices.Chunk(bb.records(b.N), submitBatch))
		b.ResetTimer()
		latencies := runClients(b, len(batches), benchClients, func(i int) error {
			a, err := st.Admit(context.Background(), batches[i])
			if err == nil && slices.ContainsFunc(a.Outcomes, func(o store.Outcome) bool { return o != store.Changed }) {
				err = fmt.Errorf("admit: outcomes %v, want every record changed", a.Outcomes)
			}
			return err
		})
		b.StopTimer()
		reportRate(b)
		reportLatency(b, "admit", latencies)
	})
}

// BenchmarkDatabaseWrite writes b.N new records with store.Store.Apply in
// transactions of the sink's batch size, one after the other as the sink does.
func BenchmarkDatabaseWrite(b *testing.B) {
	bb := setup(b, options{noSink: true})
	st := bb.hub.Store()
	topic := bb.recordTopic("administrative_penalty")
	var offset int64

	b.Run(fmt.Sprintf("batch=%d", sinkBatch), func(b *testing.B) {
		deliveries := make([]store.Delivery, b.N)
		for i, r := range bb.records(b.N) {
			deliveries[i] = store.Delivery{Record: r, Topic: topic, Partition: i % 3, Offset: offset}
			offset++
		}
		b.ResetTimer()
		for chunk := range slices.Chunk(deliveries, sinkBatch) {
			applied, err := st.Apply(context.Background(), chunk)
			if err != nil {
				b.Fatal(err)
			}
			for _, a := range applied {
				if a.Err != nil || !a.Stored {
					b.Fatalf("apply: stored %v, error %v", a.Stored, a.Err)
				}
			}
		}
		b.StopTimer()
		reportRate(b)
	})
}

// BenchmarkRawUpsert is the database's ceiling for the records the other
// benchmarks store: the same rows, upserted with unnest into one plain
// table, in batches of the sink's size, one after the other, with nothing
// else around them. deploy/local/bench.sh sets the hub's stages beside it.
func BenchmarkRawUpsert(b *testing.B) {
	bb := setup(b, options{noSink: true, noRelay: true})
	ctx := context.Background()
	if _, err := bb.db.Exec(ctx, `CREATE TABLE raw_records (
        record_id text PRIMARY KEY, version integer NOT NULL, subject_key text NOT NULL,
        content_hash text NOT NULL, data jsonb NOT NULL, accepted_at timestamptz NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	b.Run(fmt.Sprintf("batch=%d", sinkBatch), func(b *testing.B) {
		recs := bb.records(b.N)
		b.ResetTimer()
		for chunk := range slices.Chunk(recs, sinkBatch) {
			var ids, keys, hashes, data []string
			var versions []int
			var at []time.Time
			for _, r := range chunk {
				ids, keys, hashes = append(ids, r.ID), append(keys, r.SubjectKey), append(hashes, r.ContentHash)
				data, versions, at = append(data, string(r.Data)), append(versions, r.Version), append(at, r.AcceptedAt)
			}
			if _, err := bb.db.Exec(ctx, `INSERT INTO raw_records
                SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::jsonb[], $6::timestamptz[])
                ON CONFLICT (record_id) DO UPDATE SET version = excluded.version, data = excluded.data
                WHERE raw_records.version < excluded.version`, ids, versions, keys, hashes, data, at); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		reportRate(b)
	})
}
