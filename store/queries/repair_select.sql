SELECT id, record_id, record_type, department, token_hash, statement, proof, commitment,
       status, submitted_at, review_by, reviewed_at, reviewed_by, reasons,
       coalesce((SELECT subject_key FROM records r WHERE r.record_id = repairs.record_id), '')
FROM repairs
WHERE id = $1
