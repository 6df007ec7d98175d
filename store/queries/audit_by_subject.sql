-- The entries about one subject ($1), in order: under its hash now, and
-- under the hashes it had before rotations of the subject key.
WITH RECURSIVE hashes (h) AS (
    SELECT $1::text
    UNION
    SELECT r.old_subject FROM subject_rekeys r JOIN hashes ON r.new_subject = hashes.h
)
SELECT seq, at, principal, kind, action, resource, subject, purpose, result, prev_hash, hash
FROM audit_log
WHERE subject IN (SELECT h FROM hashes) AND subject <> ''
ORDER BY seq
