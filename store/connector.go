package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

var (
	qConnectorCursor     = query("connector_cursor")
	qConnectorCursorSave = query("connector_cursor_save")
)

// ConnectorCursor returns where the connector has read up to, as it saved
// it, or nil when it never saved a cursor.
func (s *Store) ConnectorCursor(ctx context.Context, connector string) (json.RawMessage, error) {
	var position json.RawMessage
	err := s.pool.QueryRow(ctx, qConnectorCursor, connector).Scan(&position)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read cursor of connector %s: %w", connector, err)
	}
	return position, nil
}

// SaveConnectorCursor stores where the connector has read up to.
func (s *Store) SaveConnectorCursor(ctx context.Context, connector string, position json.RawMessage) error {
	if _, err := s.pool.Exec(ctx, qConnectorCursorSave, connector, position); err != nil {
		return fmt.Errorf("save cursor of connector %s: %w", connector, err)
	}
	return nil
}
