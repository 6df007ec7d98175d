-- Where each source connector that reads by a cursor (the polling of a
-- department's database) has read up to. A connector moves its cursor only
-- once the receipts of the rows before it are settled.
CREATE TABLE connector_cursors (
    connector  text PRIMARY KEY,
    position   jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
