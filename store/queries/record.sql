SELECT r.record_id, type, department, source_id, subject_name, subject_masked,
       r.version, state, r.catalog_version, v.data, created_at, updated_at,
       subject_key, disputed, display
FROM records r
JOIN record_versions v ON v.record_id = r.record_id AND v.version = r.content_version
WHERE r.record_id = $1
