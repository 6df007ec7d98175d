SELECT seq, hash FROM audit_head FOR UPDATE
