-- The latest submissions of department $1, newest first, at most $2.
SELECT submission_id, department, connector, received_at, records, accepted, unchanged, rejected, error_codes, rejections
FROM submissions
WHERE department = $1
ORDER BY received_at DESC, submission_id DESC
LIMIT $2
