-- One migrator at a time per schema; held by the session until unlocked.
SELECT pg_advisory_lock(hashtext(current_schema()))
