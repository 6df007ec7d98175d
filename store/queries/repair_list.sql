-- Repair applications, oldest first: of one department ($1, or all when
-- empty), in the statuses $2 (all when empty), past their deadline at $3
-- (when set), after the application submitted at $4 with id $5 (when set),
-- at most $6 (all when NULL), about the person with subject key $7 (all when
-- empty).
SELECT id, record_id, record_type, department, token_hash, statement, proof, commitment,
       status, submitted_at, review_by, reviewed_at, reviewed_by, reasons,
       coalesce((SELECT subject_key FROM records r WHERE r.record_id = repairs.record_id), '')
FROM repairs
WHERE ($1 = '' OR department = $1)
  AND (cardinality($2::text[]) = 0 OR status = ANY ($2::text[]))
  AND ($3::timestamptz IS NULL OR due_at < $3)
  AND ($4::timestamptz IS NULL OR (submitted_at, id) > ($4, $5))
  AND ($7 = '' OR record_id IN (SELECT record_id FROM records WHERE subject_key = $7))
ORDER BY submitted_at, id
LIMIT $6
