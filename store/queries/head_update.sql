UPDATE record_heads AS h
SET version = t.version, content_hash = t.content_hash, state = t.state,
    subject_key = t.subject_key, updated_at = now()
FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[])
    AS t(record_id, version, content_hash, state, subject_key)
WHERE h.record_id = t.record_id
