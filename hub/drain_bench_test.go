package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/credex/credex/hub"
	"github.com/credex/credex/internal/testkit/kafkatest"
	"github.com/credex/credex/pipeline"
	"github.com/credex/credex/record"
)

// The benchmarks below time how fast a sink drains a backlog: b.N records
// wait on Kafka before the sink starts, and the clock runs from its start
// until the database holds the last of them. BenchmarkSinkDrain drains with
// the hub's sink; BenchmarkConnectDrain with its peer, Kafka Connect and
// Debezium's JDBC sink connector, fed the same records. Both report
// records/s; first-ms, the time from the start to the first row stored
// (joining the consumer group, starting the writer); and started-records/s,
// the rate from the first rows seen to the last.

// envConnectURL names the environment variable holding the REST URL of the
// Kafka Connect worker that BenchmarkConnectDrain uses
// (deploy/local/connect.sh starts one).
const envConnectURL = "CREDEX_CONNECT_URL"

// drainPoll is how often a drain benchmark counts the rows stored.
const drainPoll = 50 * time.Millisecond

// drainTimes is how a drain went: how long from its start the rows took
// to first show and to be all there, and how many the first sighting saw.
type drainTimes struct {
	first, last time.Duration
	firstRows   int
}

// drain polls count until it reaches from+n and says how the n rows came.
func drain(b *testing.B, start time.Time, from, n int, count func() int) drainTimes {
	b.Helper()
	deadline := start.Add(5 * time.Minute)
	var d drainTimes
	for {
		have := count() - from
		if have > 0 && d.first == 0 {
			d.first, d.firstRows = time.Since(start), have
		}
		if have >= n {
			d.last = time.Since(start)
			return d
		}
		if time.Now().After(deadline) {
			b.Fatalf("waited 5m for %d rows, have %d", n, have)
		}
		time.Sleep(drainPoll)
	}
}

// reportDrain reports the rate over the whole drain, the time to the first
// row, and the rate of the rows stored after the first sighting (once
// started), when there were any.
func reportDrain(b *testing.B, d drainTimes) {
	b.ReportMetric(float64(b.N)/d.last.Seconds(), "records/s")
	b.ReportMetric(float64(d.first)/float64(time.Millisecond), "first-ms")
	if b.N > d.firstRows {
		b.ReportMetric(float64(b.N-d.firstRows)/(d.last-d.first).Seconds(), "started-records/s")
	}
}

// publish writes msgs to Kafka in batches of 1,000.
func publish(b *testing.B, p *pipeline.Producer, msgs []kafka.Message) {
	b.Helper()
	for chunk := range slices.Chunk(msgs, 10*submitBatch) {
		if err := p.Publish(context.Background(), chunk...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSinkDrain publishes b.N new records to their topic with no sink
// running, then starts the hub's sink and stops the clock when it has
// stored the last of them. Per record the sink writes a version, the
// record's current state, an event and a sequence number.
func BenchmarkSinkDrain(b *testing.B) {
	bb := setup(b, options{noSink: true, noRelay: true})
	p := pipeline.NewProducer(bb.cfg.Kafka, prometheus.NewRegistry())
	b.Cleanup(func() { p.Close() })

	b.Run(fmt.Sprintf("batch=%d", sinkBatch), func(b *testing.B) {
		msgs := make([]kafka.Message, b.N)
		for i, r := range bb.records(b.N) {
			m, err := bb.cfg.Kafka.Topics.Message(r)
			if err != nil {
				b.Fatal(err)
			}
			msgs[i] = m
		}
		publish(b, p, msgs)
		from := storedVersions(b, bb.db)
		// A hub runs its sink once; each run starts one of its own.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		h, err := hub.Start(ctx, bb.cfg)
		if err != nil {
			b.Fatalf("start hub: %v", err)
		}
		defer h.Close()
		done := make(chan error, 1)
		b.ResetTimer()
		start := time.Now()
		go func() { done <- h.RunSink(ctx) }()
		d := drain(b, start, from, b.N, func() int { return storedVersions(b, bb.db) })
		b.StopTimer()
		cancel()
		if err := <-done; err != nil {
			b.Fatalf("sink: %v", err)
		}
		reportDrain(b, d)
	})
}

// connectVariant is a configuration of the JDBC sink connector.
type connectVariant struct {
	tasks  int  // tasks.max; the topic has 3 partitions
	batch  int  // batch.size, and the consumer's max.poll.records
	unnest bool // dialect.postgres.unnest.insert.enabled
}

func (v connectVariant) String() string {
	s := fmt.Sprintf("tasks=%d,batch=%d", v.tasks, v.batch)
	if v.unnest {
		s += ",unnest"
	}
	return s
}

// BenchmarkConnectDrain is BenchmarkSinkDrain's peer: it publishes b.N
// records, the same as BenchmarkSinkDrain's, to a topic of 3 partitions of
// their own as JSON with its schema (record id, type, version, payload),
// then creates a Debezium JDBC sink connector on the Kafka Connect worker at
// CREDEX_CONNECT_URL and stops the clock when its table holds b.N rows. Per
// record the connector writes one row, upserted on the record id
// (insert.mode=upsert, primary.key.mode=record_value) into a plain table
// whose payload is jsonb. Each variant is a configuration of the connector.
func BenchmarkConnectDrain(b *testing.B) {
	bb := setup(b, options{noSink: true, noRelay: true})
	connect := connectURL(b)
	p := pipeline.NewProducer(bb.cfg.Kafka, prometheus.NewRegistry())
	b.Cleanup(func() { p.Close() })
	ctx := context.Background()
	var schema string
	if err := bb.db.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		b.Fatal(err)
	}
	if _, err := bb.db.Exec(ctx, `CREATE TABLE connect_records (
        record_id text PRIMARY KEY, type text NOT NULL, version integer NOT NULL, payload jsonb NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	jdbcURL, user, password := jdbcTarget(b, bb.cfg.DatabaseURL, schema)
	count := func() int { return countRows(b, bb.db, "connect_records") }

	runs := 0
	for _, v := range []connectVariant{
		{tasks: 1, batch: sinkBatch}, // the connector's defaults
		{tasks: 3, batch: sinkBatch}, // a task a partition
		// On 2 cores, tasks beyond one start slower and write no faster;
		// UNNEST inserts and larger batches write three times as fast.
		{tasks: 1, batch: 2000, unnest: true},
		{tasks: 3, batch: 2000, unnest: true},
	} {
		b.Run(v.String(), func(b *testing.B) {
			runs++
			name := fmt.Sprintf("%sbench-%d", bb.cfg.Kafka.Topics.Prefix, runs)
			topic := name
			kafkatest.CreateTopic(b, bb.cfg.Kafka.Brokers, topic, 3)
			recs := bb.records(b.N)
			msgs := make([]kafka.Message, b.N)
			for i, r := range recs {
				msgs[i] = connectMessage(b, topic, r)
			}
			publish(b, p, msgs)
			from := count()
			config := map[string]string{
				"connector.class":                             "io.debezium.connector.jdbc.JdbcSinkConnector",
				"tasks.max":                                   strconv.Itoa(v.tasks),
				"topics":                                      topic,
				"key.converter":                               "org.apache.kafka.connect.storage.StringConverter",
				"value.converter":                             "org.apache.kafka.connect.json.JsonConverter",
				"value.converter.schemas.enable":              "true",
				"consumer.override.max.poll.records":          strconv.Itoa(v.batch),
				"connection.url":                              jdbcURL,
				"connection.username":                         user,
				"connection.password":                         password,
				"insert.mode":                                 "upsert",
				"primary.key.mode":                            "record_value",
				"primary.key.fields":                          "record_id",
				"collection.name.format":                      schema + ".connect_records",
				"schema.evolution":                            "none",
				"batch.size":                                  strconv.Itoa(v.batch),
				"dialect.postgres.unnest.insert.enabled":      strconv.FormatBool(v.unnest),
				"errors.tolerance":                            "none",
				"connection.pool.min_size":                    "1",
				"consumer.override.auto.offset.reset":         "earliest",
				"consumer.override.fetch.max.wait.ms":         "250",
				"consumer.override.max.partition.fetch.bytes": strconv.Itoa(10 << 20),
			}
			b.ResetTimer()
			start := time.Now()
			connectCall(b, connect, http.MethodPost, "/connectors", map[string]any{"name": name, "config": config})
			b.Cleanup(func() { deleteConnector(b, connect, name) })
			d := drain(b, start, from, b.N, func() int {
				failIfConnectorFailed(b, connect, name)
				return count()
			})
			b.StopTimer()
			deleteConnector(b, connect, name)
			reportDrain(b, d)
			// The last record stored as it was sent.
			r := recs[len(recs)-1]
			var same bool
			if err := bb.db.QueryRow(ctx, `SELECT type = $2 AND version = $3 AND payload = $4::jsonb
                FROM connect_records WHERE record_id = $1`, r.ID, r.Type, r.Version, string(r.Data)).Scan(&same); err != nil || !same {
				b.Fatalf("record %s stored as sent: %v (error %v)", r.ID, same, err)
			}
		})
	}
}

// connectURL returns the Kafka Connect worker's REST URL, failing b when it
// is unset.
func connectURL(b *testing.B) string {
	b.Helper()
	u := os.Getenv(envConnectURL)
	if u == "" {
		b.Fatalf("%s is not set; run deploy/local/bench.sh, or start a worker with deploy/local/connect.sh start", envConnectURL)
	}
	return u
}

// jdbcTarget turns the hub's database URL into a JDBC URL on schema, with
// its user and password.
func jdbcTarget(b *testing.B, databaseURL, schema string) (url, user, password string) {
	b.Helper()
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		b.Fatal(err)
	}
	return fmt.Sprintf("jdbc:postgresql://%s:%d/%s?currentSchema=%s", cfg.Host, cfg.Port, cfg.Database, schema),
		cfg.User, cfg.Password
}

// connectSchema is the Connect schema of BenchmarkConnectDrain's records;
// io.debezium.data.Json makes the JDBC sink bind the payload as JSON.
var connectSchema = json.RawMessage(`{"type":"struct","name":"credex.bench.Record","optional":false,"fields":[
	{"field":"record_id","type":"string","optional":false},
	{"field":"type","type":"string","optional":false},
	{"field":"version","type":"int32","optional":false},
	{"field":"payload","type":"string","optional":false,"name":"io.debezium.data.Json"}]}`)

// connectMessage encodes r as JsonConverter reads it with schemas enabled,
// keyed by its subject as the hub keys its record messages.
func connectMessage(b *testing.B, topic string, r *record.Record) kafka.Message {
	b.Helper()
	type value struct {
		RecordID string `json:"record_id"`
		Type     string `json:"type"`
		Version  int    `json:"version"`
		Payload  string `json:"payload"`
	}
	v, err := json.Marshal(struct {
		Schema  json.RawMessage `json:"schema"`
		Payload value           `json:"payload"`
	}{connectSchema, value{r.ID, r.Type, r.Version, string(r.Data)}})
	if err != nil {
		b.Fatal(err)
	}
	return kafka.Message{Topic: topic, Key: []byte(r.SubjectKey), Value: v}
}

// deleteConnector deletes the connector name, if it exists, so that its
// tasks stop.
func deleteConnector(b *testing.B, base, name string) {
	b.Helper()
	connectCall(b, base, http.MethodDelete, "/connectors/"+name, nil, http.StatusNotFound)
}

// connectCall sends body, as JSON, to the worker's REST API and fails b
// unless it answers 2xx or one of also.
func connectCall(b *testing.B, base, method, path string, body any, also ...int) []byte {
	b.Helper()
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			b.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, base+path, r)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatalf("kafka connect: %s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode/100 != 2 && !slices.Contains(also, res.StatusCode) {
		b.Fatalf("kafka connect: %s %s answered %s: %s", method, path, res.Status, data)
	}
	return data
}

// failIfConnectorFailed fails b when the connector or one of its tasks has
// failed, with the worker's trace.
func failIfConnectorFailed(b *testing.B, base, name string) {
	b.Helper()
	var status struct {
		Connector struct {
			State string `json:"state"`
			Trace string `json:"trace"`
		} `json:"connector"`
		Tasks []struct {
			State string `json:"state"`
			Trace string `json:"trace"`
		} `json:"tasks"`
	}
	req, err := http.NewRequest(http.MethodGet, base+"/connectors/"+name+"/status", nil)
	if err != nil {
		b.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatalf("kafka connect: status of %s: %v", name, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK { // not created yet
		return
	}
	if err := json.NewDecoder(res.Body).Decode(&status); err != nil {
		b.Fatalf("kafka connect: status of %s: %v", name, err)
	}
	if status.Connector.State == "FAILED" {
		b.Fatalf("connector %s failed: %s", name, status.Connector.Trace)
	}
	for _, t := range status.Tasks {
		if t.State == "FAILED" {
			b.Fatalf("a task of connector %s failed: %s", name, t.Trace)
		}
	}
}

// countRows counts the rows of table.
func countRows(b *testing.B, db *pgxpool.Pool, table string) int {
	b.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT count(*) FROM `+pgx.Identifier{table}.Sanitize()).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}
