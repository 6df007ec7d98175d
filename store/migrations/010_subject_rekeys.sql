-- subject_rekeys maps the keyed ID number hashes of an old subject key to
-- those of the key that replaced it (`credex rekey`). Every table that looks
-- a person up is rewritten to the new hashes, except audit_log: it is
-- append-only and hash-chained, so its entries keep the hash of the key in
-- force when they were written. To find a person's older entries, follow
-- this map from their current hash back through each rotation.
CREATE TABLE subject_rekeys (
    old_subject  text PRIMARY KEY,
    new_subject  text NOT NULL,
    rotated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX subject_rekeys_new ON subject_rekeys (new_subject);
