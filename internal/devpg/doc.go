// Package devpg runs a private PostgreSQL server for credex dev, so that the
// hub can be tried on one machine where PostgreSQL is installed but not set
// up.
//
// Start initialises a cluster under a directory on first use (initdb) and
// starts it with pg_ctl; later starts reuse it. The server listens on
// 127.0.0.1 only, trusts every connection there, has no Unix socket and
// runs with fsync off: it is for development, never for data that matters.
//
// PostgreSQL refuses to run as root. When the process runs as root, initdb
// and pg_ctl run as the postgres user, which then owns the cluster's data;
// the cluster directory and every directory above it must be searchable by
// that user, or Start says which one is not. Anyone who cannot or will not
// run a local server points credex at a database with CREDEX_DATABASE_URL
// instead.
//
// The package works on Linux and the BSDs, macOS included.
package devpg
