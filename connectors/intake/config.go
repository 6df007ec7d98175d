package intake

import (
	"cmp"
	"fmt"
	"time"
)

// Config tunes the intake.
type Config struct {
	// AckTimeout is how long a batch waits for Kafka to acknowledge the
	// versions the ledger committed before its receipts say pending;
	// default 10s.
	AckTimeout time.Duration
}

// Validate names the first impossible setting.
func (c Config) Validate() error {
	if c.AckTimeout < 0 {
		return fmt.Errorf("ack timeout: %s is negative", c.AckTimeout)
	}
	return nil
}

func (c Config) ackTimeout() time.Duration { return cmp.Or(c.AckTimeout, 10*time.Second) }
