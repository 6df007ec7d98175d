-- An event's payload is its version's: events read it from record_versions
-- (record_id, version) instead of holding a copy, so the sink writes each
-- payload once less.
ALTER TABLE events DROP COLUMN data;
