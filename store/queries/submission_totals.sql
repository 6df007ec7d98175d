-- What every department submitted since $1, by department (with its
-- principal's name, when there is one): records, accepted and rejected.
SELECT s.department, coalesce(min(p.name), ''), sum(s.records)::bigint, sum(s.accepted)::bigint, sum(s.rejected)::bigint
FROM submissions s
LEFT JOIN principals p ON p.code = s.department AND p.kind = 'department'
WHERE s.received_at >= $1
GROUP BY s.department
ORDER BY s.department
