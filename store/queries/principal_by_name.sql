-- The principal of a name.
SELECT name, kind, coalesce(code, ''), types, coalesce(scope, ''), legal_bases
FROM principals
WHERE name = $1
