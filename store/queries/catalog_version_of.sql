SELECT code, version, definition, published_at, published_by, coalesce(approved_by, '')
FROM catalog_versions
WHERE code = $1
ORDER BY version
