INSERT INTO principals (name, kind, code, key_hash, types, scope, cert_sha256, legal_bases, inquiries_per_day)
VALUES ($1, $2, nullif($3, ''), nullif($4, ''), $5, nullif($6, ''), nullif($7, ''), $8, nullif($9, 0))
ON CONFLICT (name) DO UPDATE
    SET kind = EXCLUDED.kind, code = EXCLUDED.code, key_hash = EXCLUDED.key_hash, types = EXCLUDED.types,
        scope = EXCLUDED.scope, cert_sha256 = EXCLUDED.cert_sha256, legal_bases = EXCLUDED.legal_bases,
        inquiries_per_day = EXCLUDED.inquiries_per_day
