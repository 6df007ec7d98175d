package source

import (
	"context"
	"log/slog"

	"github.com/credex/credex/connectors/intake"
	"github.com/credex/credex/principal"
)

// Intake admits batches (intake.Intake).
type Intake interface {
	Submit(ctx context.Context, b intake.Batch) (*intake.Result, error)
}

// Deps are what every source connector works with.
type Deps struct {
	Intake Intake
	// Department is the principal the connector publishes for.
	Department *principal.Principal
	Metrics    *Metrics
	Logger     *slog.Logger
}
