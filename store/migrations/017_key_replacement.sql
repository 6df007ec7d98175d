-- A key replaced through POST /v1/keys names the key that replaced it. It
-- keeps working until its overlap ends, but issues no keys: a leaked key
-- that its holder replaced cannot mint itself a successor.
ALTER TABLE principal_keys ADD COLUMN replaced_by text REFERENCES principal_keys (id);

-- Keys issued through the API expire. Those issued before they did get the
-- default lifetime, 90 days, from now; the seed's keys keep none.
UPDATE principal_keys
SET expires_at = now() + interval '90 days'
WHERE label <> 'seed' AND expires_at IS NULL AND revoked_at IS NULL;
