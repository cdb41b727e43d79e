package registry

import (
	"context"
	"sync"
	"testing"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

// TestClaimImportOnce fires 24 imports' claims at once, all planned against
// the same registry: exactly one moves the sequence on, the others are
// refused (a conflict saying to run the import again). Run it with
// FOSIS_TEST_DB=postgres: there the claims truly overlap.
func TestClaimImportOnce(t *testing.T) {
	d := dbtest.Open(t)
	s := &Store{db: d}
	ctx := context.Background()
	seq, err := s.importSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const n = 24
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = d.Transact(ctx, func(tx *db.Tx) error { return claimImport(ctx, tx, seq) })
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case fosis.ErrorCode(err) != fosis.ECONFLICT:
			t.Errorf("a losing claim failed with %v, want a conflict", err)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d claims won, want exactly 1", won, n)
	}
	if got, _ := s.importSeq(ctx); got != seq+1 {
		t.Errorf("sequence = %d, want %d", got, seq+1)
	}
}
