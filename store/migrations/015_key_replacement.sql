-- A key replaced through POST /v1/keys names the key that replaced it. It
-- keeps working until its overlap ends, but issues no keys: a leaked key
-- that its holder replaced cannot mint itself a successor.
ALTER TABLE principal_keys ADD COLUMN replaced_by text REFERENCES principal_keys (id);
