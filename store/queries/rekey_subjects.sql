-- Every record's subject key and the ID number in its payload, for
-- `credex rekey`. Records are locked so no sink writes meanwhile.
SELECT record_id, subject_key, coalesce(data #>> '{subject,id_number}', '')
FROM records
ORDER BY record_id
FOR UPDATE
