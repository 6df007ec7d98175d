-- Whether any record is about the person with this keyed ID number hash ($1)
-- and this name ($2): how a person proves who they are without a record id.
SELECT EXISTS (SELECT 1 FROM records WHERE subject_key = $1 AND subject_name = $2)
