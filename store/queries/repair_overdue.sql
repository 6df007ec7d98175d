-- How many applications await review past their deadline.
SELECT count(*) FROM repairs WHERE status = 'submitted' AND review_by < $1
