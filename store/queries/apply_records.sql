-- Make each record's latest content in a batch (an upsert or a correction)
-- its current state, unless a later version is current already. The
-- content itself is its version's, in record_versions. The same
-- version again (a redelivery, or content that replaced a version never
-- receipted) rewrites it. A correction settles a dispute.
INSERT INTO records (record_id, type, department, source_id, subject_key, subject_name, subject_masked,
                     version, state, catalog_version, content_version, created_at, updated_at,
                     display_from, repair_from, display_until)
SELECT t.record_id, t.type, t.department, t.source_id, t.subject_key, t.subject_name, t.subject_masked,
       t.version, 'active', t.catalog_version, t.version, t.accepted_at, t.accepted_at,
       t.display_from, t.repair_from, t.display_until
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
            $8::int[], $9::int[], $10::timestamptz[], $11::text[],
            $12::timestamptz[], $13::timestamptz[], $14::timestamptz[])
    AS t(record_id, type, department, source_id, subject_key, subject_name, subject_masked,
         version, catalog_version, accepted_at, op, display_from, repair_from, display_until)
ON CONFLICT (record_id) DO UPDATE
    SET subject_key = EXCLUDED.subject_key, subject_name = EXCLUDED.subject_name,
        subject_masked = EXCLUDED.subject_masked, version = EXCLUDED.version, state = 'active',
        catalog_version = EXCLUDED.catalog_version, content_version = EXCLUDED.content_version, updated_at = EXCLUDED.updated_at,
        display_from = EXCLUDED.display_from, repair_from = EXCLUDED.repair_from,
        display_until = EXCLUDED.display_until,
        disputed = records.disputed AND EXCLUDED.record_id NOT IN (
            SELECT c FROM unnest($1::text[], $11::text[]) AS x(c, op) WHERE op = 'correct')
    WHERE records.version <= EXCLUDED.version
