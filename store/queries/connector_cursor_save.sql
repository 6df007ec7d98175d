-- Moves a connector's cursor.
INSERT INTO connector_cursors (connector, position) VALUES ($1, $2)
ON CONFLICT (connector) DO UPDATE SET position = excluded.position, updated_at = now()
