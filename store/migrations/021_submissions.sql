-- What each submission of a department came to, written by the intake in
-- the transaction that admits its records: how many records it held, how
-- many were admitted and how many rejected, the error codes of its
-- rejections counted, and the first rejected receipts with their errors.
-- The envelopes themselves are not kept here: the rejected topic has them.
CREATE TABLE submissions (
    submission_id  text PRIMARY KEY,
    department     text NOT NULL,      -- unified social credit code of the department
    connector      text NOT NULL,      -- the door it came in by: http, or a connector's name
    received_at    timestamptz NOT NULL,
    records        integer NOT NULL CHECK (records >= 0),
    accepted       integer NOT NULL CHECK (accepted >= 0),   -- admitted, new versions and unchanged
    unchanged      integer NOT NULL CHECK (unchanged >= 0),  -- admitted with content the record had
    rejected       integer NOT NULL CHECK (rejected >= 0),
    error_codes    jsonb NOT NULL DEFAULT '{}',  -- {"code": rejected records with an error of this code}
    rejections     jsonb NOT NULL DEFAULT '[]',  -- [{"index", "errors": [{"code", "pointer", "message"}]}], the first ones
    CHECK (accepted + rejected = records)
);

CREATE INDEX submissions_department ON submissions (department, received_at DESC);
CREATE INDEX submissions_received ON submissions (received_at);
