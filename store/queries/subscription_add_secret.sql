-- The new secret first, then the newest of the old ones; older ones go.
UPDATE subscriptions SET secrets = ARRAY[$2::text] || secrets[1:1] WHERE id = $1
