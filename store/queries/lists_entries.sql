-- The records of some types about one person that are on a list at a time:
-- active, displayed and within their display window; newest decision first.
SELECT r.record_id, type, department, subject_name, subject_masked, r.catalog_version,
       v.data, display_from, display_until
FROM records r
JOIN record_versions v ON v.record_id = r.record_id AND v.version = r.content_version
WHERE subject_key = $1
  AND type = ANY ($2::text[])
  AND state = 'active'
  AND display = 'displayed'
  AND (display_from IS NULL OR display_from <= $3)
  AND (display_until IS NULL OR display_until >= $3)
ORDER BY display_from DESC NULLS LAST, r.record_id
