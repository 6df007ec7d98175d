UPDATE record_heads AS h
SET version = t.version, content_hash = t.content_hash, state = t.state, display = t.display,
    subject_key = t.subject_key, updated_at = now()
FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[])
    AS t(record_id, version, content_hash, state, display, subject_key)
WHERE h.record_id = t.record_id
