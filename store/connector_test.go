package store_test

import (
	"errors"
	"testing"

	"github.com/credex/credex/store"
)

// TestConnectorLeaseIsOneHubs: while one hub holds a connector's lease no
// other gets it; released, the next hub takes it.
func TestConnectorLeaseIsOneHubs(t *testing.T) {
	t.Parallel()
	st, ctx := setup(t)
	first, err := st.LeaseConnector(ctx, "market-files")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.LeaseConnector(ctx, "market-files"); !errors.Is(err, store.ErrLeased) {
		t.Fatalf("second lease of the same connector = %v, want ErrLeased", err)
	}
	other, err := st.LeaseConnector(ctx, "tax-table")
	if err != nil {
		t.Fatalf("lease of another connector: %v", err)
	}
	other.Release()
	first.Release()
	select {
	case <-first.Done():
		t.Fatal("a released lease reports itself lost")
	default:
	}
	again, err := st.LeaseConnector(ctx, "market-files")
	if err != nil {
		t.Fatalf("lease after release: %v", err)
	}
	again.Release()
}
