package hub

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/credex/credex/connectors/dbpoll"
	"github.com/credex/credex/connectors/filedrop"
	"github.com/credex/credex/connectors/kafkasrc"
	"github.com/credex/credex/connectors/source"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/store"
)

// Runner is a source connector at work: it reads its source until ctx
// ends, then returns nil, or returns the error that stopped it.
type Runner interface {
	Run(ctx context.Context) error
}

// Connector builds the connector c describes, reading for its department
// and handing what it reads to the hub's intake.
func (h *Hub) Connector(ctx context.Context, c source.Connector) (Runner, error) {
	dept, err := h.store.PrincipalByName(ctx, c.Department)
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && dept.Kind != principal.Department:
		return nil, fmt.Errorf("connector %s: %q is not a department", c.Name, c.Department)
	case err != nil:
		return nil, err
	}
	deps := source.Deps{Intake: h.intake, Department: dept, Metrics: h.connectorMetrics, Logger: h.log.With("connector", c.Name)}
	switch {
	case c.Files != nil:
		return filedrop.New(c, deps)
	case c.Database != nil:
		return dbpoll.New(c, deps, h.store)
	case c.Kafka != nil:
		return kafkasrc.New(c, deps, h.cfg.Kafka)
	}
	return nil, fmt.Errorf("connector %s: no such kind of connector", c.Name)
}

// RunConnectors runs the configured connectors until ctx ends. A file drop
// or a table is read by one hub at a time, whichever holds its lease
// (store.LeaseConnector); the others wait to take over. The hubs share a
// Kafka topic as a consumer group. A connector that stops with an error is
// logged and started again after a pause.
func (h *Hub) RunConnectors(ctx context.Context) {
	var wg sync.WaitGroup
	for _, c := range h.cfg.Connectors {
		wg.Go(func() {
			for ctx.Err() == nil {
				if err := h.runConnector(ctx, c); err != nil && ctx.Err() == nil {
					h.log.Error("connector stopped; starting it again", "connector", c.Name, "err", err)
				}
				select {
				case <-ctx.Done():
				case <-time.After(5 * time.Second):
				}
			}
		})
	}
	wg.Wait()
}

// runConnector runs c until ctx ends or c fails; a connector that one hub
// at a time may run, only while this hub holds its lease.
func (h *Hub) runConnector(ctx context.Context, c source.Connector) error {
	if c.Kafka == nil {
		lease, err := h.store.LeaseConnector(ctx, c.Name)
		if errors.Is(err, store.ErrLeased) {
			return nil // another hub runs it; try again after the pause
		}
		if err != nil {
			return err
		}
		defer lease.Release()
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		go func() {
			select {
			case <-lease.Done():
				h.log.Warn("connector lease lost; stopping the connector", "connector", c.Name)
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	r, err := h.Connector(ctx, c)
	if err != nil {
		return err
	}
	return r.Run(ctx)
}
