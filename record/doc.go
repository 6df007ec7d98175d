// Package record is the credit record itself, whatever carries or stores it:
// its ops, its id and subject key, its canonical form and content hash,
// building a record from a department's payload under its record type (with
// the display window), and the changes the hub makes to a stored record
// (correct, revoke, dispute, resolve, repair, expire).
//
// It knows nothing of Kafka, PostgreSQL or HTTP: every transport and store
// names a record through this package.
package record
