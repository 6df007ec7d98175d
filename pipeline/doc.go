// Package pipeline is the hub's Kafka transport: the topics records travel
// on (Topics, and the message of a record), the producer that waits for
// Kafka's acknowledgement (Producer) and the consumer-group loop that hands
// messages to a sink and commits offsets only after the sink succeeded
// (Consumer). What a record is lives in package record.
//
// Delivery is at least once. Every record carries a stable id and a version so
// that sinks can be idempotent; records are keyed by subject so that all
// changes about one person stay in order within one partition.
package pipeline
