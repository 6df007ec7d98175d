-- Objections (appeals) that people file against their records, and the
-- source department's decisions. The person's name and ID number are
-- checked against the record when filing and never stored; the tracking
-- token is stored only as its SHA-256.

CREATE TABLE objections (
    objection_id  text PRIMARY KEY,
    record_id     text NOT NULL REFERENCES records (record_id),
    department    text NOT NULL,      -- the record's source department, who decides
    grounds       text NOT NULL,
    statement     text NOT NULL,
    evidence      jsonb NOT NULL DEFAULT '[]',  -- [{"name", "media_type", "size"}], in order
    status        text NOT NULL CHECK (status IN ('filed', 'accepted', 'refused', 'decided')),
    token_hash    text NOT NULL,      -- SHA-256 of the tracking token, hex
    filed_at      timestamptz NOT NULL,
    accept_by     timestamptz NOT NULL,
    accepted_at   timestamptz,
    decide_by     timestamptz,
    closed_at     timestamptz,
    outcome       text CHECK (outcome IN ('upheld', 'corrected', 'revoked')),
    reason        text NOT NULL DEFAULT '',
    escalated_at  timestamptz         -- when its being overdue was first reported
);

-- One open objection per record: the record is disputed until it is decided.
CREATE UNIQUE INDEX objections_open_record ON objections (record_id) WHERE status IN ('filed', 'accepted');
CREATE INDEX objections_department ON objections (department, filed_at);
CREATE INDEX objections_open_due ON objections (accept_by, decide_by) WHERE status IN ('filed', 'accepted');

-- The files attached to an objection, by their position in its evidence.
CREATE TABLE objection_evidence (
    objection_id  text NOT NULL REFERENCES objections (objection_id),
    position      integer NOT NULL CHECK (position >= 0),
    content       bytea NOT NULL,
    PRIMARY KEY (objection_id, position)
);
