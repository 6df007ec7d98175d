-- The records of one subject that the public may see at $4: of a public
-- type ($3), active, displayed, and inside their display window (or
-- without one). The name must match too.
SELECT record_id, type, department, subject_name, subject_masked, version, disputed,
       catalog_version, data, display_from, repair_from, display_until, updated_at, coalesce(subject_key, '')
FROM records
WHERE subject_key = $1 AND subject_name = $2
  AND type = ANY($3) AND state = 'active' AND display = 'displayed'
  AND (display_from IS NULL OR display_from <= $4)
  AND (display_until IS NULL OR $4 < display_until)
ORDER BY display_from DESC NULLS LAST, record_id
