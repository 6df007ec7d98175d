-- Revoking is idempotent: a revoked key keeps its first revocation time.
UPDATE principal_keys
SET revoked_at = coalesce(revoked_at, now())
WHERE id = $1 AND principal = $2
RETURNING id, principal, label, created_at, expires_at, revoked_at
