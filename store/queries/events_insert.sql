INSERT INTO events (event_id, type, record_id, version, record_type, department, subject_key,
                    sequence, catalog_version, reason, disputed)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[],
                     $8::bigint[], $9::int[], $10::text[], $11::bool[])
ON CONFLICT (event_id) DO NOTHING
