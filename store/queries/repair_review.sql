UPDATE repairs
SET status = $2, reviewed_at = $3, reviewed_by = $4, reasons = $5
WHERE id = $1
