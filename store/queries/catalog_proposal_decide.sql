-- Record an operator's decision on a pending version: approved or rejected.
UPDATE catalog_proposals
SET status = $2, decided_at = now(), decided_by = $3, reason = $4
WHERE id = $1 AND status = 'pending'
