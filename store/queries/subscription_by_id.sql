SELECT id, agency, types, departments, mode, coalesce(url, ''), secrets, full_id_types,
       status, status_reason, created_at
FROM subscriptions
WHERE id = $1
