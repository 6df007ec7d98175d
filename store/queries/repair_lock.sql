SELECT id, record_id, record_type, department, token_hash, statement, proof, commitment,
       status, submitted_at, review_by, reviewed_at, reviewed_by, reasons
FROM repairs
WHERE id = $1
FOR UPDATE
