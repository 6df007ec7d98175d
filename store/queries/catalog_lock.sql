-- One publisher at a time per record type code, until the transaction ends.
SELECT pg_advisory_xact_lock(hashtext('catalog:' || $1))
