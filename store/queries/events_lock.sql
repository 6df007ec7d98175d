SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':subscription_events'))
