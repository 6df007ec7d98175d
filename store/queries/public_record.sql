-- One record, if the public may see it at $3 (see public_by_subject).
SELECT record_id, type, department, subject_name, subject_masked, version, disputed,
       catalog_version, data, display_from, repair_from, display_until, updated_at, coalesce(subject_key, '')
FROM records
WHERE record_id = $1
  AND type = ANY($2) AND state = 'active' AND display = 'displayed'
  AND (display_from IS NULL OR display_from <= $3)
  AND (display_until IS NULL OR $3 < display_until)
