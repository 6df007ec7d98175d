package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
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

// ErrLeased means another hub holds the lease of a connector.
var ErrLeased = errors.New("another hub runs this connector")

// LeaseConnector takes the right to run a connector that only one hub may
// run at a time, or returns ErrLeased. The lease is a PostgreSQL advisory
// lock on a connection of its own: it ends with Release, or when the hub
// dies and its connection with it. Done is closed when the lease was lost
// (its connection failed); the connector must then stop.
func (s *Store) LeaseConnector(ctx context.Context, connector string) (*Lease, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("lease connector %s: %w", connector, err)
	}
	var ok bool
	// Locks are the server's: the schema in the key keeps hubs of other
	// schemas apart.
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtextextended(current_schema() || ' connector ' || $1, 0))`, connector).Scan(&ok); err != nil {
		conn.Release()
		return nil, fmt.Errorf("lease connector %s: %w", connector, err)
	}
	if !ok {
		conn.Release()
		return nil, ErrLeased
	}
	l := &Lease{conn: conn, done: make(chan struct{}), stop: make(chan struct{}), watched: make(chan struct{})}
	go l.watch()
	return l, nil
}

// Lease is a connector's lease (LeaseConnector).
type Lease struct {
	conn    *pgxpool.Conn
	done    chan struct{} // closed when the lease is lost
	stop    chan struct{} // closed by Release
	watched chan struct{} // closed when watch returned
}

// Done is closed when the lease is lost.
func (l *Lease) Done() <-chan struct{} { return l.done }

// watch checks the lease's connection every few seconds.
func (l *Lease) watch() {
	defer close(l.watched)
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-tick.C:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err := l.conn.Ping(ctx)
			cancel()
			if err != nil {
				close(l.done)
				return
			}
		}
	}
}

// Release gives the lease up.
func (l *Lease) Release() {
	close(l.stop)
	<-l.watched
	// Closing the connection ends the session and its lock; a connection
	// whose lock was only unlocked could go back to the pool instead, but
	// one that failed must not.
	l.conn.Hijack().Close(context.Background())
}
