-- The principal holding a key, with the key's id, and whether it is expired
-- or revoked.
SELECT p.name, p.kind, coalesce(p.code, ''), p.types, coalesce(p.scope, ''), p.legal_bases, k.id,
       k.expires_at IS NOT NULL AND k.expires_at <= now(), k.revoked_at IS NOT NULL
FROM principal_keys k
JOIN principals p ON p.name = k.principal
WHERE k.key_hash = $1
