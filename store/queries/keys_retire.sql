-- A key replaced by a new one ($4) expires after the overlap ($3 seconds),
-- or earlier if it was to expire earlier anyway. A key replaced or revoked
-- already is not: no row.
UPDATE principal_keys
SET expires_at = least(coalesce(expires_at, 'infinity'), now() + make_interval(secs => $3)),
    replaced_by = $4
WHERE id = $1 AND principal = $2 AND revoked_at IS NULL AND replaced_by IS NULL
RETURNING id, principal, label, created_at, expires_at, revoked_at
