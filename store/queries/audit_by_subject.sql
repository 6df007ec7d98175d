SELECT seq, at, principal, kind, action, resource, subject, purpose, result, prev_hash, hash
FROM audit_log
WHERE subject = $1 AND subject <> ''
ORDER BY seq
