-- The content of the file at position $2 of objection $1's evidence.
SELECT content
FROM objection_evidence
WHERE objection_id = $1 AND position = $2
