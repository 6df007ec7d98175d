SELECT name, kind, coalesce(code, ''), types, coalesce(scope, '')
FROM principals
WHERE key_hash = $1
