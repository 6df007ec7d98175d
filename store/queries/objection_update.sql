-- Record a move of an objection.
UPDATE objections
SET status = $2, accepted_at = $3, decide_by = $4, closed_at = $5, outcome = nullif($6, ''), reason = $7
WHERE objection_id = $1
