-- Record ids are keyed (record.ID): an HMAC, under the key kept here, of the
-- department, the type and the source id, so that nobody can compute the id
-- of a record from what the record shows. The hub makes the key, at random,
-- the first time it needs it (record_id_key.sql); it never changes, so that
-- resubmissions find their records, and replacing the subject key (credex
-- rekey) does not touch it.
--
-- Ids of records admitted before this migration were an unkeyed hash of the
-- same fields: the hub would give their resubmissions other ids. A database
-- that holds any is refused; start from an empty one.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM record_heads) THEN
        RAISE EXCEPTION 'the database holds records whose ids were derived without a key; record ids are keyed now and there is no upgrade: start from an empty database';
    END IF;
END
$$;

CREATE TABLE record_id_key (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    key  bytea NOT NULL CHECK (length(key) = 32)
);
