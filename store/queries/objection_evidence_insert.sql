-- Store the files of an objection's evidence, numbered from 0 in order.
INSERT INTO objection_evidence (objection_id, position, content)
SELECT $1, t.n - 1, t.content
FROM unnest($2::bytea[]) WITH ORDINALITY AS t(content, n)
