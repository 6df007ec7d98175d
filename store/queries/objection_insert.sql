-- File an objection. The partial unique index objections_open_record
-- refuses a second open objection to the same record.
INSERT INTO objections (objection_id, record_id, department, grounds, statement, evidence, status,
                        token_hash, filed_at, accept_by, accepted_at, decide_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
