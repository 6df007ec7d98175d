-- Objections, oldest first: of one department ($1, or all when empty), in
-- the statuses $2 (all when empty), past their deadline at $3 (when set),
-- after the objection filed at $4 with id $5 (when set), at most $6 (all
-- when NULL), about the person with subject key $7 (all when empty).
SELECT objection_id, record_id, department, grounds, statement, evidence, status, token_hash,
       filed_at, accept_by, accepted_at, decide_by, closed_at, coalesce(outcome, ''), reason,
       coalesce((SELECT subject_key FROM records r WHERE r.record_id = objections.record_id), '')
FROM objections
WHERE ($1 = '' OR department = $1)
  AND (cardinality($2::text[]) = 0 OR status = ANY ($2::text[]))
  AND ($3::timestamptz IS NULL OR due_at < $3)
  AND ($4::timestamptz IS NULL OR (filed_at, objection_id) > ($4, $5))
  AND ($7 = '' OR record_id IN (SELECT record_id FROM records WHERE subject_key = $7))
ORDER BY filed_at, objection_id
LIMIT $6
