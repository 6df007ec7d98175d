UPDATE subscription_events SET status = $2, attempts = attempts + 1, last_error = $3
WHERE seq = $1
