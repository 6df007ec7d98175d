SELECT count(*) FROM ledger_outbox WHERE id = ANY($1)
