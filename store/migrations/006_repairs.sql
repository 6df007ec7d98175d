-- Credit repair: applications by the person a record is about, reviewed by
-- the record's source department, with the files attached to them.

CREATE TABLE repairs (
    id            text PRIMARY KEY,
    record_id     text NOT NULL REFERENCES records (record_id),
    record_type   text NOT NULL,
    department    text NOT NULL,              -- the deciding department: the record's source department
    token_hash    text NOT NULL UNIQUE,       -- SHA-256 of the tracking token, hex
    statement     text NOT NULL,
    proof         jsonb NOT NULL,             -- [{name, media_type, size}], the files in repair_files
    commitment    jsonb NOT NULL,
    status        text NOT NULL CHECK (status IN ('submitted', 'approved', 'refused')),
    submitted_at  timestamptz NOT NULL,
    review_by     timestamptz NOT NULL,       -- the deadline of the review
    reviewed_at   timestamptz,
    reviewed_by   text NOT NULL DEFAULT '',   -- the principal who decided
    reasons       text[] NOT NULL DEFAULT '{}'
);

-- One application under review per record at a time.
CREATE UNIQUE INDEX repairs_one_open ON repairs (record_id) WHERE status = 'submitted';
CREATE INDEX repairs_due ON repairs (review_by) WHERE status = 'submitted';
CREATE INDEX repairs_department ON repairs (department, submitted_at);

CREATE TABLE repair_files (
    repair_id   text NOT NULL REFERENCES repairs (id),
    list        text NOT NULL CHECK (list IN ('proof', 'commitment')),
    position    integer NOT NULL CHECK (position >= 0),
    name        text NOT NULL,
    media_type  text NOT NULL,
    content     bytea NOT NULL,
    PRIMARY KEY (repair_id, list, position)
);
