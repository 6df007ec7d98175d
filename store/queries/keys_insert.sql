-- A key issued through the API expires $5 seconds after it is issued.
INSERT INTO principal_keys (id, principal, key_hash, label, expires_at)
VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
RETURNING id, principal, label, created_at, expires_at, revoked_at
