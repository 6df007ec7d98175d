SELECT record_id, version, content_hash, state, display, subject_key
FROM record_heads
WHERE record_id = ANY($1)
ORDER BY record_id
FOR UPDATE
