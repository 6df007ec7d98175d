// Package intake is the one way records of departments come in, whatever
// the connector: the HTTP API, a file drop, the polling of a department's
// database or its Kafka topic.
//
// A connector reads envelopes from its source and hands them, a batch at a
// time, to Intake.Submit. Every envelope is checked against the catalogue;
// the valid ones get versions from the ledger and reach Kafka through its
// outbox, the invalid ones go to the rejected topic. The result has one
// receipt per envelope, in order. A connector acknowledges its source (moves
// the file, stores its cursor, commits its offset) only once the result is
// settled; offered again, a batch adds nothing, since the same content of a
// record comes back unchanged at its version.
package intake
