-- Mark the objections past their deadline at $1 that were not reported yet,
-- and return them. A concurrent caller waits for the row locks and then
-- finds them marked, so each is returned once.
UPDATE objections
SET escalated_at = $1
WHERE escalated_at IS NULL
  AND ((status = 'filed' AND accept_by < $1) OR (status = 'accepted' AND decide_by < $1))
RETURNING objection_id, record_id, department, status, coalesce(decide_by, accept_by)
