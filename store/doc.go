// Package store is the shared public credit database on PostgreSQL: its
// migrations, the ingest ledger that assigns record versions, the idempotent
// writes of the database sink, and the reads the API serves.
//
// Every query lives in an embedded .sql file. A Store is safe for concurrent
// use; it works in the schema named by the connection's search_path, so
// tests can give each case a schema of its own.
package store
