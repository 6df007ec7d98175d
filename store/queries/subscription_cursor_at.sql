SELECT coalesce(max(se.seq), 0)
FROM subscription_events se JOIN events e USING (event_id)
WHERE se.subscription_id = $1 AND e.created_at < $2
