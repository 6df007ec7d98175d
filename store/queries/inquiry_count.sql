-- Count an inquiry of agency $1 on day $2 against its quota a day, if it
-- has one. Returns whether the inquiry may be made: the agency has no
-- quota, or the quota was not used up and the inquiry is counted.
WITH quota AS (
    SELECT inquiries_per_day AS n FROM principals WHERE name = $1 AND inquiries_per_day IS NOT NULL
), counted AS (
    INSERT INTO inquiry_counts AS c (agency, day, count)
    SELECT $1, $2, 1 FROM quota
    ON CONFLICT (agency, day) DO UPDATE SET count = c.count + 1
    WHERE c.count < (SELECT n FROM quota)
    RETURNING 1
)
SELECT NOT EXISTS (SELECT FROM quota) OR EXISTS (SELECT FROM counted)
