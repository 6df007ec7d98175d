-- Make sure a ledger row exists for every record an upsert names, so that the
-- lock below covers records that are new to the hub too. A row is written
-- with its final head (version 1, the content's hash) when the caller admits
-- the record's first version with this statement alone; otherwise it is a
-- placeholder (version 0) that the lock and update below advance. Returns
-- the rows written, which this transaction now holds.
INSERT INTO record_heads (record_id, version, content_hash, state, subject_key)
SELECT id, version, hash, 'active', subject
FROM unnest($1::text[], $2::int[], $3::text[], $4::text[]) AS t(id, version, hash, subject)
ORDER BY id
ON CONFLICT (record_id) DO NOTHING
RETURNING record_id
