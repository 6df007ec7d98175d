-- A person's grants, newest first.
SELECT id, agency, purpose, types, granted_at, expires_at, withdrawn_at
FROM authorisations
WHERE subject_key = $1
ORDER BY granted_at DESC, id
LIMIT $2
