-- Store a revocation as the record's next version and mark the record
-- revoked, keeping its last content. The foreign key on record_versions makes
-- a revocation of a record that was never stored fail.
WITH v AS (
    INSERT INTO record_versions (record_id, version, op, content_hash, catalog_version, data,
                                 submission_id, accepted_at, kafka_topic, kafka_partition, kafka_offset)
    VALUES ($1, $2, 'revoke', $3, $4, $5, $6, $7, $8, $9, $10)
    ON CONFLICT (record_id, version) DO UPDATE
        SET op = EXCLUDED.op, content_hash = EXCLUDED.content_hash, data = EXCLUDED.data,
            submission_id = EXCLUDED.submission_id, accepted_at = EXCLUDED.accepted_at, stored_at = now()
        WHERE record_versions.content_hash <> EXCLUDED.content_hash
    RETURNING 1
), r AS (
    UPDATE records SET version = $2, state = 'revoked', updated_at = $7
    WHERE record_id = $1 AND version <= $2 AND EXISTS (SELECT 1 FROM v)
    RETURNING 1
)
SELECT (SELECT count(*) FROM v), (SELECT count(*) FROM r)
