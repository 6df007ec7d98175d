UPDATE subscriptions SET next_attempt_at = now() WHERE id = $1
