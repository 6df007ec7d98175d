-- Whether a record is about the subject with keyed hash $1 and name $2.
SELECT EXISTS (SELECT 1 FROM records WHERE subject_key = $1 AND subject_name = $2)
