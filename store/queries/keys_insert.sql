INSERT INTO principal_keys (id, principal, key_hash, label)
VALUES ($1, $2, $3, $4)
RETURNING id, principal, label, created_at, expires_at, revoked_at
