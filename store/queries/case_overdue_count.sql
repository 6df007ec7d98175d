-- How many open objections and repair applications are past their deadline
-- at $1.
SELECT (SELECT count(*) FROM objections WHERE due_at < $1),
       (SELECT count(*) FROM repairs WHERE due_at < $1)
