// Package httpin is the HTTP connector: POST /v1/submissions.
//
// A department sends a batch of envelopes, as one JSON document
// {"records": [...]} or as NDJSON (one envelope a line), and gets the
// intake's receipts as the answer, with error pointers into the request.
// When Kafka or the database cannot be reached the answer is 503 and nothing
// is accepted.
package httpin
