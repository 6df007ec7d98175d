INSERT INTO subscriptions (id, agency, types, departments, mode, url, secrets, full_id_types, status)
VALUES ($1, $2, $3, $4, $5, nullif($6, ''), $7, $8, $9)
RETURNING created_at
