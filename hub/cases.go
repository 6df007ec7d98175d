package hub

import (
	"context"
	"time"
)

// EscalateCases logs a warning for each objection and repair application
// that became overdue, on the hub's clock (Config.Now), since the last pass
// of any hub: once per case.
func (h *Hub) EscalateCases(ctx context.Context) error { return h.cases.Escalate(ctx) }

// WatchCases runs EscalateCases every interval until ctx ends.
func (h *Hub) WatchCases(ctx context.Context, interval time.Duration) { h.cases.Watch(ctx, interval) }
