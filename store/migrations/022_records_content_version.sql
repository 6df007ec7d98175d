-- A record's current content is its content version's: records names that
-- version (content_version) in record_versions instead of holding a copy of
-- its payload, so the sink writes each payload once. The content version is
-- the record's latest upsert or correction.
ALTER TABLE records ADD COLUMN content_version integer;

UPDATE records r
SET content_version = (SELECT max(v.version) FROM record_versions v
                       WHERE v.record_id = r.record_id AND v.op IN ('upsert', 'correct'));

ALTER TABLE records ALTER COLUMN content_version SET NOT NULL;
ALTER TABLE records DROP COLUMN data;
