package pipeline

import "strings"

// Topics names the Kafka topics of one hub. Prefix lets several hubs (or
// tests) share a cluster without seeing each other's records.
type Topics struct {
	Prefix string
}

// Record is the topic that carries accepted records of one type.
func (t Topics) Record(recordType string) string {
	return t.Prefix + "credex.records." + recordType
}

// RecordType returns the record type a record topic carries, or false when
// topic is not a record topic of this hub.
func (t Topics) RecordType(topic string) (string, bool) {
	return strings.CutPrefix(topic, t.Record(""))
}

// Rejected carries rejected submissions with their reasons, for audit.
func (t Topics) Rejected() string { return t.Prefix + "credex.rejected" }

// DeadLetter carries records a sink could never write, with the reason.
func (t Topics) DeadLetter() string { return t.Prefix + "credex.deadletter" }

// Delivery carries the events of one kafka-mode subscription, for the
// agency to read with a consumer group of its own.
func (t Topics) Delivery(subscription string) string {
	return t.Prefix + "credex.deliveries." + subscription
}

// AuditCheckpoints carries the checkpoints of the audit log's hash chain
// (audit.Checkpoint), outside the database that holds the log. It has one
// partition, so that its order is the order of writing, and keeps its
// messages for ever (EnsureTopics).
func (t Topics) AuditCheckpoints() string { return t.Prefix + "credex.audit.checkpoints" }

// Group is the name of a consumer group of this hub.
func (t Topics) Group(name string) string { return t.Prefix + "credex." + name }
