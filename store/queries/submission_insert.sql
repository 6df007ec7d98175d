-- A submission's summary (see Submission).
INSERT INTO submissions (submission_id, department, connector, received_at, records, accepted, unchanged, rejected,
                         error_codes, rejections)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
