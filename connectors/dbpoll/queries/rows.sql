-- The next rows after the cursor ($1, $2), or from the start, in the order of
-- the updated-at column and key: both as text, then every mapped column as
-- text. Limit is the most rows read.
SELECT {{.UpdatedAt}}::text, {{.Key}}::text{{range .Columns}}, {{.}}::text{{end}}
FROM {{.Table}}
WHERE {{template "after" .}}
ORDER BY {{.UpdatedAt}}, {{.Key}}
LIMIT {{.Limit}}
