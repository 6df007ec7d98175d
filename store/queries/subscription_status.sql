UPDATE subscriptions SET status = $2, status_reason = $3, next_attempt_at = now() WHERE id = $1
