-- Make sure a ledger row exists for every record an upsert names, so that the
-- lock below covers records that are new to the hub too.
INSERT INTO record_heads (record_id, version, content_hash, state, subject_key)
SELECT id, 0, '', 'active', subject
FROM unnest($1::text[], $2::text[]) AS t(id, subject)
ORDER BY id
ON CONFLICT (record_id) DO NOTHING
