INSERT INTO catalog_versions (code, version, definition, published_by, approved_by)
VALUES ($1, $2, $3, $4, nullif($5, ''))
