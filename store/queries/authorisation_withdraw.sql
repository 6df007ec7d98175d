-- Withdraw grant $1 if the audit log holds its grant ($3, the action) to
-- the person $2. Returns whether it does; a grant withdrawn before stays as
-- it was.
WITH granted AS (
    SELECT resource FROM audit_log
    WHERE subject = $2 AND subject <> '' AND action = $3 AND result = 'ok' AND resource = $1
    LIMIT 1
), withdrawn AS (
    INSERT INTO authorisation_withdrawals (grant_id, subject_key)
    SELECT resource, $2 FROM granted
    ON CONFLICT (grant_id) DO NOTHING
)
SELECT EXISTS (SELECT FROM granted)
