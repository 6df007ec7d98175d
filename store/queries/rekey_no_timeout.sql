-- One pass over every record may take longer than the pool's statement
-- timeout; the caller's context bounds it instead.
SET LOCAL statement_timeout = 0
