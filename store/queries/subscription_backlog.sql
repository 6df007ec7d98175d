SELECT s.id, count(se.seq), coalesce(min(e.created_at), now())
FROM subscriptions s
LEFT JOIN subscription_events se ON se.subscription_id = s.id AND se.status = 'pending'
LEFT JOIN events e USING (event_id)
WHERE s.status <> 'disabled' AND s.mode <> 'pull'  -- pull subscribers keep their own cursor
GROUP BY s.id
