SELECT id, principal, label, created_at, expires_at, revoked_at
FROM principal_keys
WHERE principal = $1
ORDER BY created_at, id
