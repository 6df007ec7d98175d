-- Claim up to $4 records whose display window ended by $1, after the
-- cursor ($2, $3) (display_until, record_id) of this pass, skipping those another
-- transaction has claimed. The locks are held until the caller commits.
SELECT record_id, type, department, source_id, catalog_version, display_until
FROM records
WHERE display = 'displayed' AND state = 'active' AND display_until <= $1
  AND (display_until, record_id) > ($2::timestamptz, $3::text)
ORDER BY display_until, record_id
LIMIT $4
FOR UPDATE SKIP LOCKED
