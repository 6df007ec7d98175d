INSERT INTO authorisations (id, subject_key, agency, purpose, types, granted_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
