-- Reserve n sequence numbers for each subject; returns the last one reserved.
INSERT INTO subject_sequences (subject_key, sequence)
SELECT * FROM unnest($1::text[], $2::bigint[])
ON CONFLICT (subject_key) DO UPDATE SET sequence = subject_sequences.sequence + EXCLUDED.sequence
RETURNING subject_key, sequence
