-- The columns of the table or view $1 and their types.
SELECT attname, format_type(atttypid, atttypmod)
FROM pg_attribute
WHERE attrelid = $1::text::regclass AND attnum > 0 AND NOT attisdropped
