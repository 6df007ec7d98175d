-- The rejections of the records department $1 submitted since $2, by error
-- code, most frequent first: the records rejected with an error of the
-- code, and the submissions they were in.
SELECT e.key, sum(e.value::integer)::bigint, count(*)
FROM submissions s, jsonb_each_text(s.error_codes) e
WHERE s.department = $1 AND s.received_at >= $2
GROUP BY e.key
ORDER BY 2 DESC, 1
