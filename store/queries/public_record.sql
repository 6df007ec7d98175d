-- One record, if the public may see it at $5 (see public_by_subject).
SELECT r.record_id, type, department, subject_name, subject_masked, r.version, disputed,
       r.catalog_version, v.data, display_from, repair_from, display_until, updated_at, coalesce(subject_key, '')
FROM records r
JOIN record_versions v ON v.record_id = r.record_id AND v.version = r.content_version
WHERE r.record_id = $1
  AND EXISTS (SELECT 1 FROM unnest($2::text[], $3::timestamptz[], $4::timestamptz[]) AS s(type, from_, until_)
              WHERE s.type = r.type AND r.created_at >= s.from_ AND (s.until_ IS NULL OR r.created_at < s.until_))
  AND state = 'active' AND display = 'displayed'
  AND (display_from IS NULL OR display_from <= $5)
  AND (display_until IS NULL OR $5 < display_until)
