-- Apply a change of a record's lifecycle (dispute, resolve, repair, expire)
-- unless a later version is current already.
UPDATE records
SET version = $2, updated_at = $3,
    disputed = CASE $4 WHEN 'dispute' THEN true WHEN 'resolve' THEN false ELSE disputed END,
    display = CASE $4 WHEN 'repair' THEN 'repaired' WHEN 'expire' THEN 'expired' ELSE display END
WHERE record_id = $1 AND version < $2
