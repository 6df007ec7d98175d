-- The audit log: every access to personal data, who made it, why and with
-- what result (package audit). It is append-only: the hub only ever inserts
-- into audit_log, and each entry is chained by hash to the one before, so
-- `credex audit verify` finds rows changed, removed or reordered.
--
-- The operator should give the hub's database role no way to rewrite it:
--   REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM <hub role>;
-- (the hub needs INSERT and SELECT on audit_log, SELECT and UPDATE on audit_head).
CREATE TABLE audit_log (
    seq        bigint PRIMARY KEY CHECK (seq > 0),
    at         timestamptz NOT NULL,
    principal  text NOT NULL,
    kind       text NOT NULL,
    action     text NOT NULL,
    resource   text NOT NULL,
    -- The keyed hash of the person's ID number (pipeline.SubjectKey), never
    -- the number itself; empty when the access concerns no one person.
    subject    text NOT NULL,
    purpose    text NOT NULL,
    result     text NOT NULL,
    prev_hash  text NOT NULL,
    hash       text NOT NULL
);

-- "Who looked at my records": a person's entries in order.
CREATE INDEX audit_log_subject ON audit_log (subject, seq) WHERE subject <> '';

-- The chain's head, one row: the last entry's seq and hash. Appends lock it,
-- so concurrent hubs append one after another and the chain never forks;
-- verification compares it with the log's last entry, so a cut-off tail shows.
CREATE TABLE audit_head (
    only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    seq       bigint NOT NULL,
    hash      text NOT NULL
);
INSERT INTO audit_head (seq, hash) VALUES (0, '');
