-- Objections and repair applications are overdue the same way: each open
-- case awaits a move by a deadline, kept by the database from the case's
-- state as lifecycle.Objection.Deadline and lifecycle.Repair.Deadline compute
-- it, and NULL once the case is closed. A case is overdue at t when
-- due_at < t; its being overdue is reported once (escalated_at).

ALTER TABLE objections ADD COLUMN due_at timestamptz
    GENERATED ALWAYS AS (CASE status WHEN 'filed' THEN accept_by WHEN 'accepted' THEN decide_by END) STORED;
ALTER TABLE repairs ADD COLUMN due_at timestamptz
    GENERATED ALWAYS AS (CASE status WHEN 'submitted' THEN review_by END) STORED;
ALTER TABLE repairs ADD COLUMN escalated_at timestamptz;

DROP INDEX objections_open_due;
DROP INDEX repairs_due;
CREATE INDEX objections_due ON objections (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX repairs_due ON repairs (due_at) WHERE due_at IS NOT NULL;
