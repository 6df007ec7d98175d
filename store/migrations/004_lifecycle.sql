-- The lifecycle of a record beyond its content: disputes (open objections),
-- public display and its end (expiry or credit repair), and the reason of
-- each change.

ALTER TABLE record_heads
    ADD COLUMN display text NOT NULL DEFAULT 'displayed'
        CHECK (display IN ('displayed', 'expired', 'repaired'));

ALTER TABLE records
    ADD COLUMN disputed boolean NOT NULL DEFAULT false,
    ADD COLUMN display text NOT NULL DEFAULT 'displayed'
        CHECK (display IN ('displayed', 'expired', 'repaired')),
    ADD COLUMN display_from timestamptz,     -- the deciding document's date
    ADD COLUMN repair_from timestamptz,      -- the end of the minimum display period
    ADD COLUMN display_until timestamptz;    -- the end of the maximum display period

CREATE INDEX records_display_due ON records (display_until) WHERE display = 'displayed' AND state = 'active';

ALTER TABLE record_versions
    DROP CONSTRAINT record_versions_op_check,
    ADD CONSTRAINT record_versions_op_check
        CHECK (op IN ('upsert', 'correct', 'revoke', 'dispute', 'resolve', 'repair', 'expire')),
    ADD COLUMN reason text NOT NULL DEFAULT '';
