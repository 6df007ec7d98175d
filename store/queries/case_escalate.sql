-- Mark the open objections and repair applications past their deadline at
-- $1 that were not reported yet, and return them. A concurrent caller waits
-- for the row locks and then finds them marked, so each is returned once.
WITH objections_due AS (
    UPDATE objections SET escalated_at = $1
    WHERE escalated_at IS NULL AND due_at < $1
    RETURNING 'objection' AS kind, objection_id AS id, record_id, department, status, due_at
), repairs_due AS (
    UPDATE repairs SET escalated_at = $1
    WHERE escalated_at IS NULL AND due_at < $1
    RETURNING 'repair' AS kind, id, record_id, department, status, due_at
)
SELECT * FROM objections_due
UNION ALL
SELECT * FROM repairs_due
ORDER BY due_at, id
