-- subscription_events.sql for the pending events only: the literal status
-- lets every plan, generic ones included, read the partial index
-- subscription_events_pending instead of the subscription's whole history.
SELECT se.seq, se.status, se.attempts, se.last_error, e.event_id, e.type, e.record_id, e.version,
       e.record_type, e.department, e.subject_key, e.sequence, e.catalog_version, v.data, e.created_at,
       e.reason, e.disputed
FROM subscription_events se
JOIN events e USING (event_id)
JOIN record_versions v ON v.record_id = e.record_id AND v.version = e.version
WHERE se.subscription_id = $1 AND se.status = 'pending'
ORDER BY se.seq
LIMIT $2
