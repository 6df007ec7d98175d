-- The identifiers of a version the hub rewrote by the one rule of
-- identifiers (a 15-digit ID number upgraded, full-width digits, spaces),
-- each with the value as the department sent it: [{"pointer", "rule",
-- "original"}]. NULL when none was.
ALTER TABLE record_versions ADD COLUMN rewritten jsonb;
