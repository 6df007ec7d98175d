UPDATE subscriptions SET lease_until = '-infinity', next_attempt_at = $2 WHERE id = $1
