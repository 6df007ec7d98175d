SELECT code, version, definition, published_at, published_by, coalesce(approved_by, '')
FROM catalog_versions
ORDER BY code, version
