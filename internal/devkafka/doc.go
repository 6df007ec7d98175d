// Package devkafka runs an in-process Kafka-protocol broker for credex dev,
// so that the hub can be tried on one machine with nothing but Go and
// PostgreSQL installed.
//
// The broker is kfake from franz-go: a single broker on 127.0.0.1 that
// speaks enough of the protocol for everything the hub does with
// segmentio/kafka-go — creating topics, synchronous writes with
// RequireAll, consumer groups over several topics with FetchMessage and
// CommitMessages, and metadata requests. Topics are not created
// automatically, as on a production cluster; replication factor 1 (or -1)
// is the only one a single broker accepts.
//
// It is a development tool: tests and CI run against a real Apache Kafka
// broker, and production against a replicated cluster.
package devkafka
