-- The principal a client certificate names, by the SHA-256 of its DER.
SELECT name, kind, coalesce(code, ''), types, coalesce(scope, ''), legal_bases
FROM principals
WHERE cert_sha256 = $1
