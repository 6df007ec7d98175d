-- Versions of these records admitted before and not yet published.
SELECT id FROM ledger_outbox WHERE record_id = ANY($1)
