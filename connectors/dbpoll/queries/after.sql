{{/* The rows after the cursor ($1, $2), or every row when there is none yet;
rows without an updated-at or a key are never read. */}}
{{- define "after"}}{{.UpdatedAt}} IS NOT NULL AND {{.Key}} IS NOT NULL{{if .Cursor}}
  AND ({{.UpdatedAt}}, {{.Key}}) > ($1::text::{{.UpdatedAtType}}, $2::text::{{.KeyType}}){{end}}{{end}}
