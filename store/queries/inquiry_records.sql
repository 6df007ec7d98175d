-- The records of some types ($2) about one person ($1) that an authorised
-- inquiry discloses: active and not repaired (a repaired record is no longer
-- shared); newest first.
SELECT r.record_id, type, department, subject_name, subject_masked, r.version, disputed,
       r.catalog_version, v.data, updated_at
FROM records r
JOIN record_versions v ON v.record_id = r.record_id AND v.version = r.content_version
WHERE subject_key = $1
  AND type = ANY ($2::text[])
  AND state = 'active'
  AND display <> 'repaired'
ORDER BY updated_at DESC, r.record_id
