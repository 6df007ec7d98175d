-- Lease the active subscription of a mode that has waited longest for a
-- delivery that is due, so that one worker at a time delivers its events,
-- in order. A worker that dies loses the lease when it runs out.
UPDATE subscriptions SET lease_until = now() + $2::interval
WHERE id = (
    SELECT s.id FROM subscriptions s
    WHERE s.mode = $1 AND s.status = 'active' AND s.next_attempt_at <= now() AND s.lease_until < now()
      AND EXISTS (SELECT 1 FROM subscription_events se WHERE se.subscription_id = s.id AND se.status = 'pending')
    ORDER BY s.next_attempt_at
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
RETURNING id, agency, types, departments, mode, coalesce(url, ''), secrets, full_id_types,
          status, status_reason, created_at
