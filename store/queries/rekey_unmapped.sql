-- Subject keys that rekey_map does not cover: heads of records the sink has
-- not stored yet, or events and sequences of records that are gone.
SELECT subject_key FROM record_heads WHERE subject_key NOT IN (SELECT old FROM rekey_map)
UNION SELECT subject_key FROM events WHERE subject_key NOT IN (SELECT old FROM rekey_map)
UNION SELECT subject_key FROM subject_sequences WHERE subject_key NOT IN (SELECT old FROM rekey_map)
LIMIT 5
