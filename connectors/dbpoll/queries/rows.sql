-- The next rows after the cursor ($1, $2), or from the start, in the order of
-- the updated-at column and key: both as text, then every mapped column as
-- text. Limit is the most rows read. The order names the table's columns, not
-- the text ones of the same names.
SELECT {{.UpdatedAt}}::text, {{.Key}}::text{{range .Columns}}, {{.}}::text{{end}}
FROM {{.Table}} AS src
WHERE {{template "after" .}}
ORDER BY src.{{.UpdatedAt}}, src.{{.Key}}
LIMIT {{.Limit}}
