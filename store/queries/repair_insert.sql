INSERT INTO repairs (id, record_id, record_type, department, token_hash, statement,
                     proof, commitment, status, submitted_at, review_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
