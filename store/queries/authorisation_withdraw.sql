-- Withdraw grant $1 of the person $2; a grant withdrawn before keeps its
-- time. Returns a row when the grant is theirs.
UPDATE authorisations SET withdrawn_at = coalesce(withdrawn_at, now())
WHERE id = $1 AND subject_key = $2
RETURNING withdrawn_at
