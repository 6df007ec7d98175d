-- The records of some types ($2) about one person ($1) that an authorised
-- inquiry discloses: active and not repaired (a repaired record is no longer
-- shared); newest first.
SELECT record_id, type, department, subject_name, subject_masked, version, disputed,
       catalog_version, data, updated_at
FROM records
WHERE subject_key = $1
  AND type = ANY ($2::text[])
  AND state = 'active'
  AND display <> 'repaired'
ORDER BY updated_at DESC, record_id
