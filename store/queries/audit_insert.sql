INSERT INTO audit_log (seq, at, principal, kind, action, resource, subject, purpose, result, prev_hash, hash)
SELECT *
FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[],
            $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
