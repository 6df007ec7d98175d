package httpin

import (
	"cmp"
	"fmt"
)

// Config bounds what one submission may carry.
type Config struct {
	// MaxBodyBytes is the largest request body accepted; default 4 MiB.
	MaxBodyBytes int64
	// MaxRecords is the largest batch accepted; default 500.
	MaxRecords int
}

// Validate names the first impossible setting.
func (c Config) Validate() error {
	if c.MaxBodyBytes < 0 {
		return fmt.Errorf("max body bytes: %d is negative", c.MaxBodyBytes)
	}
	if c.MaxRecords < 0 {
		return fmt.Errorf("max records: %d is negative", c.MaxRecords)
	}
	return nil
}

func (c Config) maxBody() int64  { return cmp.Or(c.MaxBodyBytes, 4<<20) }
func (c Config) maxRecords() int { return cmp.Or(c.MaxRecords, 500) }
