-- A seed names a principal's key: revoke the seed keys it no longer names
-- (every one when $2 is empty: the seed names only a certificate).
UPDATE principal_keys
SET revoked_at = now()
WHERE principal = $1 AND label = 'seed' AND key_hash <> $2 AND revoked_at IS NULL
