-- The receipts table of the department: one row per source row, by its key.
CREATE TABLE IF NOT EXISTS {{.Receipts}} (
    key          text PRIMARY KEY,      -- the row's key, as text
    updated_at   text NOT NULL,         -- the row's updated-at, as text, when it was read
    source_id    text,                  -- the record's source_id, when the row has one
    status       text NOT NULL CHECK (status IN ('accepted', 'rejected')),
    record_id    text,                  -- the hub's id of the record (accepted)
    version      integer,               -- the record's version (accepted)
    unchanged    boolean NOT NULL DEFAULT false, -- the record already had this content
    errors       jsonb,                 -- [{code, pointer, column, message}] (rejected)
    received_at  timestamptz NOT NULL DEFAULT now()
)
