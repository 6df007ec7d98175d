-- Writes the receipts of a batch, one per key, replacing earlier ones.
INSERT INTO {{.Receipts}} (key, updated_at, source_id, status, record_id, version, unchanged, errors, received_at)
SELECT k, u, NULLIF(s, ''), st, NULLIF(r, ''), NULLIF(v, 0), un, NULLIF(e, '')::jsonb, now()
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::integer[], $7::boolean[], $8::text[])
    AS receipt (k, u, s, st, r, v, un, e)
ON CONFLICT (key) DO UPDATE SET
    updated_at = excluded.updated_at, source_id = excluded.source_id, status = excluded.status,
    record_id = excluded.record_id, version = excluded.version, unchanged = excluded.unchanged,
    errors = excluded.errors, received_at = excluded.received_at
