-- Old subject key -> new, for this transaction only.
CREATE TEMP TABLE rekey_map (old text PRIMARY KEY, new text NOT NULL) ON COMMIT DROP
