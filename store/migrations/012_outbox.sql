-- The ledger's outbox: every record version the ledger admitted, written in
-- the transaction that admitted it, until the relay has published it to
-- Kafka with acks=all. Nothing reaches Kafka that the ledger did not commit,
-- and a row is deleted only once Kafka acknowledged it.
CREATE TABLE ledger_outbox (
    id          bigserial PRIMARY KEY,
    record_id   text NOT NULL,
    version     integer NOT NULL,
    type        text NOT NULL,
    subject_key text NOT NULL,
    value       bytea NOT NULL, -- the record as it travels, JSON
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX ledger_outbox_record ON ledger_outbox (record_id);

-- One row, locked by the relay that publishes: one publisher at a time keeps
-- every record's versions in order on its topic.
CREATE TABLE ledger_relay (
    one boolean PRIMARY KEY DEFAULT true CHECK (one)
);
INSERT INTO ledger_relay DEFAULT VALUES;
