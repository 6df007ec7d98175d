// Package pipeline carries accepted credit records through Kafka: the record
// as it travels (Record), the topics it travels on (Topics), the producer that
// waits for Kafka's acknowledgement (Producer) and the consumer-group loop that
// hands records to a sink and commits offsets only after the sink succeeded
// (Consumer).
//
// Delivery is at least once. Every record carries a stable id and a version so
// that sinks can be idempotent; records are keyed by subject so that all
// changes about one person stay in order within one partition.
package pipeline
