// Package pgtest gives tests an isolated schema on the real PostgreSQL server.
//
// Every test that touches the database calls [URL] or [Pool]. Each call creates a
// schema of its own, named after the test, and drops it when the test ends, so
// tests may run in parallel (and packages concurrently) against one database
// without seeing each other's tables.
//
// The server comes from CREDEX_DATABASE_URL, which deploy/local/test.sh sets
// after starting a local cluster. Without it the test fails: a database test
// that silently skips proves nothing.
package pgtest
