-- The subscriptions of one agency, or of every agency when $1 is empty.
SELECT id, agency, types, departments, mode, coalesce(url, ''), secrets, full_id_types,
       status, status_reason, created_at
FROM subscriptions
WHERE $1 = '' OR agency = $1
ORDER BY created_at, id
