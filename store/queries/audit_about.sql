-- The entries about one subject ($1) with a seq below $2 (0: from the
-- newest), newest first, at most $3.
SELECT seq, at, principal, kind, action, resource, subject, purpose, result, prev_hash, hash
FROM audit_log
WHERE subject = $1 AND subject <> '' AND ($2 = 0 OR seq < $2)
ORDER BY seq DESC
LIMIT $3
