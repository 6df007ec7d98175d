-- How many rows come after the cursor ($1, $2), or from the start, counted up
-- to a cap.
SELECT count(*) FROM (
  SELECT FROM {{.Table}}
  WHERE {{template "after" .}}
  LIMIT 1000000
) AS backlog
