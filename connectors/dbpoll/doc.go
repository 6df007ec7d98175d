// Package dbpoll is the connector that polls a department's PostgreSQL
// table or view.
//
// It reads the rows changed since its cursor, in the order of the table's
// updated-at column and key, a batch at a time; turns each row into an
// envelope by the connector's one mapping; and hands the batch to the intake.
// Once the batch's result is settled it writes one receipt per row to the
// department's receipts table, if it has one, and only then moves its
// cursor, which the hub keeps (store.Store.ConnectorCursor). Stopped at any
// point, it starts again from its cursor: the rows after it are offered
// again and come back unchanged at their versions.
//
// A row changed again (its updated-at bumped) is read again: the same
// content adds no version, new content is a new version, and a row whose op
// column says revoke revokes its record. A deleted row is never seen.
package dbpoll
