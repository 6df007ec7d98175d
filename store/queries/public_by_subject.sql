-- The records of one subject that the public may see at $6: first published
-- within a span ($3, $4, $5: type, from, until or NULL for no end) during
-- which their type was public, active, displayed, and inside their display
-- window (or without one). The name must match too.
SELECT r.record_id, type, department, subject_name, subject_masked, r.version, disputed,
       r.catalog_version, v.data, display_from, repair_from, display_until, updated_at, coalesce(subject_key, '')
FROM records r
JOIN record_versions v ON v.record_id = r.record_id AND v.version = r.content_version
WHERE subject_key = $1 AND subject_name = $2
  AND EXISTS (SELECT 1 FROM unnest($3::text[], $4::timestamptz[], $5::timestamptz[]) AS s(type, from_, until_)
              WHERE s.type = r.type AND r.created_at >= s.from_ AND (s.until_ IS NULL OR r.created_at < s.until_))
  AND state = 'active' AND display = 'displayed'
  AND (display_from IS NULL OR display_from <= $6)
  AND (display_until IS NULL OR $6 < display_until)
ORDER BY display_from DESC NULLS LAST, r.record_id
