INSERT INTO ledger_outbox (record_id, version, type, subject_key, value)
SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::bytea[])
RETURNING id
