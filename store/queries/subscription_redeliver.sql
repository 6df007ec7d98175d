UPDATE subscription_events SET status = 'pending', attempts = 0, last_error = ''
WHERE subscription_id = $1 AND seq > $2 AND status = ANY ($3)
