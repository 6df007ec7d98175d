-- Every record's subject key and the ID number in its payload, for
-- `credex rekey`. Records are locked so no sink writes meanwhile.
SELECT r.record_id, subject_key, coalesce(v.data #>> '{subject,id_number}', '')
FROM records r
JOIN record_versions v ON v.record_id = r.record_id AND v.version = r.content_version
ORDER BY r.record_id
FOR UPDATE OF r
