-- Count an inquiry of agency $1 on day $2 against its quota a day. Returns
-- the day's count with it, or no row when the quota is used up.
INSERT INTO inquiry_counts AS c (agency, day, count)
VALUES ($1, $2, 1)
ON CONFLICT (agency, day) DO UPDATE SET count = c.count + 1
WHERE c.count < coalesce((SELECT inquiries_per_day FROM principals WHERE name = $1), 2147483647)
RETURNING count
