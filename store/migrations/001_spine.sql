-- The spine of the public credit database: principals, the ingest ledger,
-- and records with their full version history.

CREATE TABLE principals (
    name        text PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('department', 'agency', 'maintainer', 'operator')),
    code        text,                       -- unified social credit code (departments)
    key_hash    text NOT NULL UNIQUE,       -- SHA-256 of the API key, hex
    types       text[] NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- record_heads is the ingest ledger: the latest version the hub has promised
-- for each record. Ingest reserves versions here in the same transaction that
-- waits for Kafka's acknowledgement, so receipts carry exact versions.
CREATE TABLE record_heads (
    record_id     text PRIMARY KEY,
    version       integer NOT NULL,
    content_hash  text NOT NULL,
    state         text NOT NULL CHECK (state IN ('active', 'revoked')),
    subject_key   text NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- records holds the current state of every stored record, written by the sink.
CREATE TABLE records (
    record_id        text PRIMARY KEY,
    type             text NOT NULL,
    department       text NOT NULL,      -- unified social credit code of the source department
    source_id        text NOT NULL,
    subject_key      text NOT NULL,      -- keyed hash of the subject's ID number
    subject_name     text NOT NULL,
    subject_masked   text NOT NULL,      -- masked ID number
    version          integer NOT NULL,
    state            text NOT NULL CHECK (state IN ('active', 'revoked')),
    catalog_version  integer NOT NULL,
    data             jsonb NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    UNIQUE (department, type, source_id)
);

CREATE INDEX records_subject_key ON records (subject_key);

-- record_versions is the full, append-only history of every record.
CREATE TABLE record_versions (
    record_id        text NOT NULL REFERENCES records (record_id),
    version          integer NOT NULL CHECK (version > 0),
    op               text NOT NULL CHECK (op IN ('upsert', 'revoke')),
    content_hash     text NOT NULL,
    catalog_version  integer NOT NULL,
    data             jsonb NOT NULL,
    submission_id    text NOT NULL,
    accepted_at      timestamptz NOT NULL,
    stored_at        timestamptz NOT NULL DEFAULT now(),
    kafka_topic      text NOT NULL,
    kafka_partition  integer NOT NULL,
    kafka_offset     bigint NOT NULL,
    PRIMARY KEY (record_id, version)
);
