-- Agencies subscribe to record types; every stored change becomes an event,
-- fanned out to the subscriptions that match it, in one transaction with the
-- change itself (a transactional outbox).

ALTER TABLE principals ADD COLUMN scope text;  -- an agency's sharing scope

CREATE TABLE subscriptions (
    id               text PRIMARY KEY,
    agency           text NOT NULL REFERENCES principals (name),
    types            text[] NOT NULL,                -- record type codes (a class filter is resolved to them)
    departments      text[] NOT NULL DEFAULT '{}',   -- filter by source department code; empty: all
    mode             text NOT NULL CHECK (mode IN ('webhook', 'pull', 'kafka')),
    url              text,
    secrets          text[] NOT NULL DEFAULT '{}',   -- webhook signing secrets, newest first
    full_id_types    text[] NOT NULL DEFAULT '{}',   -- types whose ID numbers it sees in full
    status           text NOT NULL CHECK (status IN ('active', 'pending_approval', 'disabled')),
    status_reason    text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    lease_until      timestamptz NOT NULL DEFAULT '-infinity'
);

-- events: one per change of a record, with a per-subject sequence number.
CREATE TABLE events (
    event_id         text PRIMARY KEY,
    type             text NOT NULL,
    record_id        text NOT NULL,
    version          integer NOT NULL,
    record_type      text NOT NULL,
    department       text NOT NULL,
    subject_key      text NOT NULL,
    sequence         bigint NOT NULL,
    catalog_version  integer NOT NULL,
    data             jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE subject_sequences (
    subject_key  text PRIMARY KEY,
    sequence     bigint NOT NULL
);

-- subscription_events: an event owed to a subscription. seq orders them and
-- is the pull API's cursor.
CREATE TABLE subscription_events (
    seq              bigserial PRIMARY KEY,
    subscription_id  text NOT NULL REFERENCES subscriptions (id),
    event_id         text NOT NULL REFERENCES events (event_id),
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts         integer NOT NULL DEFAULT 0,
    last_error       text NOT NULL DEFAULT '',
    delivered_at     timestamptz,
    UNIQUE (subscription_id, event_id)
);

CREATE INDEX subscription_events_pending ON subscription_events (subscription_id, seq) WHERE status = 'pending';
