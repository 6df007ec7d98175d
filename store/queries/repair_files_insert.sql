INSERT INTO repair_files (repair_id, list, position, name, media_type, content)
SELECT $1, f.list, f.position, f.name, f.media_type, f.content
FROM unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::bytea[])
    AS f(list, position, name, media_type, content)
