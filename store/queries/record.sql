SELECT record_id, type, department, source_id, subject_name, subject_masked,
       version, state, catalog_version, data, created_at, updated_at,
       subject_key, disputed, display
FROM records
WHERE record_id = $1
