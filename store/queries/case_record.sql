-- What an objection or a repair application needs of the record it is about.
SELECT record_id, type, department, catalog_version, subject_key, subject_name,
       state, display, display_from, repair_from, display_until, data
FROM records
WHERE record_id = $1
