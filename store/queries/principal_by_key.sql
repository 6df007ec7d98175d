SELECT name, kind, coalesce(code, ''), types
FROM principals
WHERE key_hash = $1
