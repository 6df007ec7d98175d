-- The version of one type that waits for approval, if any, locked until the
-- transaction ends.
SELECT id, code, version, definition, proposed_at, proposed_by
FROM catalog_proposals
WHERE code = $1 AND status = 'pending'
FOR UPDATE
