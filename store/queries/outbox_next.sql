SELECT id, record_id, version, type, subject_key, value, created_at
FROM ledger_outbox
ORDER BY id
LIMIT $1
