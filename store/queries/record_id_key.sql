-- The record id key: the one stored, or else $1, stored now. Of hubs that
-- start together, the first to commit sets the key and the others read it.
WITH made AS (
    INSERT INTO record_id_key (key) VALUES ($1)
    ON CONFLICT (one) DO NOTHING
    RETURNING key
)
SELECT key FROM made
UNION ALL
SELECT key FROM record_id_key
LIMIT 1
