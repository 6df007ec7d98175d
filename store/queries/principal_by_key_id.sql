-- The principal holding the key of an id, with whether the key is expired
-- or revoked.
SELECT p.name, p.kind, coalesce(p.code, ''), p.types, coalesce(p.scope, ''), p.legal_bases, k.id,
       k.expires_at IS NOT NULL AND k.expires_at <= now(), k.revoked_at IS NOT NULL
FROM principal_keys k
JOIN principals p ON p.name = k.principal
WHERE k.id = $1
