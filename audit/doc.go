// Package audit is the hub's record of every access to personal data: who
// (principal and kind) did what (action) to which record (resource) about
// which person (subject), why (purpose) and with what result.
//
// The log is append-only and tamper-evident. Every stored entry carries a
// gapless sequence number from 1 and the hash of the entry before it, and its
// own hash covers all its fields and that previous hash (see [Stored.Sum] for
// the exact encoding). Changing, removing, inserting or reordering entries
// therefore breaks the chain, and [Verify] names the first entry where it
// breaks. The database also keeps the chain's head (last seq and hash), so a
// tail cut off the log is noticed too.
//
// A chain of plain hashes proves integrity against anyone who changes rows
// without recomputing every later hash and the head. Two attacks remain for
// whoever can write the database: cutting off the newest entries and moving
// the head back with them, and rewriting the whole tail consistently. Both
// are caught by [Checkpoint]s, heads of the chain kept outside the database:
// the hub writes one to a Kafka topic whenever the head has moved, at most
// every interval (pipeline.Topics.AuditCheckpoints), operators may keep the
// seq and hash that `credex audit verify` prints, and [Verify] checks that
// the chain still holds every checkpoint it is given. Only the entries
// appended since the last checkpoint can still be cut unnoticed.
//
// # Size
//
// Fields come from callers (a path, a header), so [Head.Next] bounds every
// text field to [MaxField] bytes before hashing ([Entry.Bound]): a caller
// cannot grow the log by more than a few kilobytes a request.
//
// # Personal information
//
// The log never holds a plain ID number. [Entry.Subject] is the keyed hash
// by which the hub looks people up (record.SubjectKey, computed here by
// [Subject]), so "who looked at my records" is answered by hashing the
// person's number with the hub's subject key, and the log alone reveals
// nobody's number.
package audit
