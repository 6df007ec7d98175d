-- How many open objections are past their deadline at $1.
SELECT count(*)
FROM objections
WHERE (status = 'filed' AND accept_by < $1) OR (status = 'accepted' AND decide_by < $1)
