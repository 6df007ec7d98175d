// Package expiry ends the public display of records whose display period is
// over. A Scheduler finds, every interval, the records that are still
// displayed after the end of their display window and admits an expiry
// (record.OpExpire) of each into the ledger in the transaction that claimed
// them; the relay publishes it once that commits:
// the database sink then marks the record expired and every subscriber that
// receives its type gets one record.expired event.
//
// Several hubs may run a Scheduler on the same database at the same time:
// they share the due records (each batch is claimed with row locks that the
// others skip), and the ledger makes an expiry of a record that is no longer
// displayed Unchanged, so each record expires exactly once.
package expiry
