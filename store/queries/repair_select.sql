-- Repair applications, filtered: by department ('' for all), by status
-- ('' for any), overdue at a time (NULL for no such filter); oldest first.
SELECT id, record_id, record_type, department, token_hash, statement, proof, commitment,
       status, submitted_at, review_by, reviewed_at, reviewed_by, reasons,
       coalesce((SELECT subject_key FROM records r WHERE r.record_id = repairs.record_id), '')
FROM repairs
WHERE ($1 = '' OR id = $1)
  AND ($2 = '' OR department = $2)
  AND ($3 = '' OR status = $3)
  AND ($4::timestamptz IS NULL OR (status = 'submitted' AND review_by < $4))
ORDER BY submitted_at, id
LIMIT $5
