-- Store one version of a record and make it current unless a later version
-- is current already. The same version with the same content is a no-op; the
-- same version with other content replaces content that was never receipted
-- (its submission failed after reaching Kafka), and the later message wins.
WITH v AS (
    INSERT INTO record_versions (record_id, version, op, content_hash, catalog_version, data,
                                 submission_id, accepted_at, kafka_topic, kafka_partition, kafka_offset)
    VALUES ($1, $2, 'upsert', $3, $4, $5, $6, $7, $8, $9, $10)
    ON CONFLICT (record_id, version) DO UPDATE
        SET op = EXCLUDED.op, content_hash = EXCLUDED.content_hash, catalog_version = EXCLUDED.catalog_version,
            data = EXCLUDED.data, submission_id = EXCLUDED.submission_id, accepted_at = EXCLUDED.accepted_at,
            stored_at = now(), kafka_topic = EXCLUDED.kafka_topic,
            kafka_partition = EXCLUDED.kafka_partition, kafka_offset = EXCLUDED.kafka_offset
        WHERE record_versions.content_hash <> EXCLUDED.content_hash
    RETURNING 1
), r AS (
    INSERT INTO records (record_id, type, department, source_id, subject_key, subject_name, subject_masked,
                         version, state, catalog_version, data, created_at, updated_at)
    SELECT $1, $11, $12, $13, $14, $15, $16, $2, 'active', $4, $5, $7, $7
    WHERE EXISTS (SELECT 1 FROM v)
    ON CONFLICT (record_id) DO UPDATE
        SET subject_key = EXCLUDED.subject_key, subject_name = EXCLUDED.subject_name,
            subject_masked = EXCLUDED.subject_masked, version = EXCLUDED.version, state = 'active',
            catalog_version = EXCLUDED.catalog_version, data = EXCLUDED.data, updated_at = EXCLUDED.updated_at
        WHERE records.version <= EXCLUDED.version
    RETURNING 1
)
SELECT (SELECT count(*) FROM v), (SELECT count(*) FROM r)
