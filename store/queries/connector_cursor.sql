-- A connector's cursor.
SELECT position FROM connector_cursors WHERE connector = $1
