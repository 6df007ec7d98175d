package httpin

import (
	"cmp"
	"fmt"
	"time"
)

// Config bounds what one submission may carry.
type Config struct {
	// MaxBodyBytes is the largest request body accepted; default 4 MiB.
	MaxBodyBytes int64
	// MaxRecords is the largest batch accepted; default 500.
	MaxRecords int
	// AckTimeout is how long a submission waits for Kafka to acknowledge
	// the versions the ledger committed before it answers that they are
	// pending; default 10s.
	AckTimeout time.Duration
}

// Validate names the first impossible setting.
func (c Config) Validate() error {
	if c.MaxBodyBytes < 0 {
		return fmt.Errorf("max body bytes: %d is negative", c.MaxBodyBytes)
	}
	if c.MaxRecords < 0 {
		return fmt.Errorf("max records: %d is negative", c.MaxRecords)
	}
	if c.AckTimeout < 0 {
		return fmt.Errorf("ack timeout: %s is negative", c.AckTimeout)
	}
	return nil
}

func (c Config) maxBody() int64  { return cmp.Or(c.MaxBodyBytes, 4<<20) }
func (c Config) maxRecords() int { return cmp.Or(c.MaxRecords, 500) }
func (c Config) ackTimeout() time.Duration {
	return cmp.Or(c.AckTimeout, 10*time.Second)
}
