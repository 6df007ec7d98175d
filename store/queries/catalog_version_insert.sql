INSERT INTO catalog_versions (code, version, definition, published_by)
VALUES ($1, $2, $3, $4)
