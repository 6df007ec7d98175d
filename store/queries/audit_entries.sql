SELECT seq, at, principal, kind, action, resource, subject, purpose, result, prev_hash, hash
FROM audit_log
WHERE seq > $1
ORDER BY seq
LIMIT $2
