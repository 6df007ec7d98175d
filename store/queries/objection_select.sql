SELECT objection_id, record_id, department, grounds, statement, evidence, status, token_hash,
       filed_at, accept_by, accepted_at, decide_by, closed_at, coalesce(outcome, ''), reason,
       coalesce((SELECT subject_key FROM records r WHERE r.record_id = objections.record_id), '')
FROM objections
WHERE objection_id = $1
