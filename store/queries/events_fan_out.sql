-- Owe each new event to every active subscription it matches, in the order
-- of the events.
INSERT INTO subscription_events (subscription_id, event_id)
SELECT s.id, e.event_id
FROM unnest($1::text[]) WITH ORDINALITY AS n(event_id, ord)
JOIN events e USING (event_id)
JOIN subscriptions s
  ON s.status = 'active'
 AND e.record_type = ANY (s.types)
 AND (cardinality(s.departments) = 0 OR e.department = ANY (s.departments))
ORDER BY n.ord, s.id
ON CONFLICT (subscription_id, event_id) DO NOTHING
