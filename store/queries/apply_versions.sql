-- Store each version once. The same version with the same content is a
-- no-op; with other content it replaces content that was never receipted
-- (its submission failed after reaching Kafka), and the later message wins.
-- The foreign key refuses a version of a record that was never stored.
-- Returns the versions written.
INSERT INTO record_versions (record_id, version, op, content_hash, catalog_version, data,
                             submission_id, accepted_at, kafka_topic, kafka_partition, kafka_offset, reason, rewritten)
SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::int[], $6::jsonb[],
                     $7::text[], $8::timestamptz[], $9::text[], $10::int[], $11::bigint[], $12::text[], $13::jsonb[])
ON CONFLICT (record_id, version) DO UPDATE
    SET op = EXCLUDED.op, content_hash = EXCLUDED.content_hash, catalog_version = EXCLUDED.catalog_version,
        data = EXCLUDED.data, submission_id = EXCLUDED.submission_id, accepted_at = EXCLUDED.accepted_at,
        stored_at = now(), kafka_topic = EXCLUDED.kafka_topic,
        kafka_partition = EXCLUDED.kafka_partition, kafka_offset = EXCLUDED.kafka_offset,
        reason = EXCLUDED.reason, rewritten = EXCLUDED.rewritten
    WHERE record_versions.content_hash <> EXCLUDED.content_hash
RETURNING record_id, version
