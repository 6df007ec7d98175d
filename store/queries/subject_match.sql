-- How a person who names themselves goes with the records: whether any
-- record is about the keyed ID number hash $1, and whether one is about it
-- under the name $2.
SELECT EXISTS (SELECT 1 FROM records WHERE subject_key = $1),
       EXISTS (SELECT 1 FROM records WHERE subject_key = $1 AND subject_name = $2)
