-- Objections, oldest first: of one department ($1, or all when empty), in
-- the statuses $2 (all when empty), and when $3 is set only those past
-- their deadline at $3 (the hub's to accept while filed, the department's
-- to decide while accepted).
SELECT objection_id, record_id, department, grounds, statement, evidence, status, token_hash,
       filed_at, accept_by, accepted_at, decide_by, closed_at, coalesce(outcome, ''), reason,
       coalesce((SELECT subject_key FROM records r WHERE r.record_id = objections.record_id), '')
FROM objections
WHERE ($1 = '' OR department = $1)
  AND (cardinality($2::text[]) = 0 OR status = ANY ($2::text[]))
  AND ($3::timestamptz IS NULL
       OR (status = 'filed' AND accept_by < $3) OR (status = 'accepted' AND decide_by < $3))
ORDER BY filed_at, objection_id
