-- The key a seed names. A key already known keeps its state: a seed key
-- revoked or rotated through the API stays so when the hub restarts.
INSERT INTO principal_keys (id, principal, key_hash, label)
VALUES ('key_' || replace(gen_random_uuid()::text, '-', ''), $1, $2, 'seed')
ON CONFLICT (key_hash) DO NOTHING
