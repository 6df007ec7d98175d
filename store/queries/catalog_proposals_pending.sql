-- The versions that wait for an operator's approval, one at most per type.
SELECT id, code, version, definition, proposed_at, proposed_by
FROM catalog_proposals
WHERE status = 'pending'
ORDER BY code
