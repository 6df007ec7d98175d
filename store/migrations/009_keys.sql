-- API keys: a principal may hold several, so that a key is rotated with an
-- overlap (the old one expires a while after the new one is issued) and one
-- can be revoked without touching the others. Only SHA-256 of a key is
-- stored. principals.key_hash stays the key the seed names; the seed's keys
-- are rows here too, labelled 'seed'.
CREATE TABLE principal_keys (
    id          text PRIMARY KEY,
    principal   text NOT NULL REFERENCES principals (name),
    key_hash    text NOT NULL UNIQUE,       -- SHA-256 of the key, hex
    label       text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz,                -- null: never
    revoked_at  timestamptz                 -- null: not revoked
);

CREATE INDEX principal_keys_principal ON principal_keys (principal, created_at);

INSERT INTO principal_keys (id, principal, key_hash, label, created_at)
SELECT 'key_' || replace(gen_random_uuid()::text, '-', ''), name, key_hash, 'seed', created_at
FROM principals;
