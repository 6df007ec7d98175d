SELECT version, op, content_hash, catalog_version, data, submission_id, accepted_at, stored_at, reason, rewritten
FROM record_versions
WHERE record_id = $1
ORDER BY version
