-- What an objection or a repair application needs of the record it is about.
SELECT r.record_id, type, department, r.catalog_version, subject_key, subject_name,
       state, display, display_from, repair_from, display_until, v.data
FROM records r
JOIN record_versions v ON v.record_id = r.record_id AND v.version = r.content_version
WHERE r.record_id = $1
