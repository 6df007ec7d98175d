// Package httpin is the HTTP ingest connector: POST /v1/submissions.
//
// A department sends a batch of envelopes, as one JSON document
// {"records": [...]} or as NDJSON (one envelope a line). Every envelope is
// checked against the catalogue; the valid ones get versions from the ledger
// and are published to their record topics, the invalid ones to the rejected
// topic. The answer is sent only after Kafka acknowledged all of them, with
// one receipt per envelope, in order. When Kafka or the database cannot be
// reached the answer is 503 and nothing is accepted.
package httpin
