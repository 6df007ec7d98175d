SELECT name, media_type, content
FROM repair_files
WHERE repair_id = $1 AND list = $2 AND position = $3
