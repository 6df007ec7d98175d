-- Waiting for another migrator, and a migration itself, may take longer
-- than a statement of the hub may.
SET statement_timeout = 0
