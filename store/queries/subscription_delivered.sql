-- Marks events delivered.
UPDATE subscription_events
SET status = 'delivered', attempts = attempts + 1, last_error = '', delivered_at = now()
WHERE seq = ANY($1::bigint[])
