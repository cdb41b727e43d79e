package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

// TestDemoChangeRequest: the demo leaves one change request waiting, made by
// the Metropolitan region's officer, for another user to approve.
func TestDemoChangeRequest(t *testing.T) {
	dsn := dbtest.DSN(t)
	out := mustRun(t, "--db", dsn, "demo", "--no-serve", "--households", "400")
	if !strings.Contains(out, "waits for approval at /changes") {
		t.Fatalf("demo output:\n%s", out)
	}
	d, err := db.Open(context.Background(), dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n int
	var maker, state string
	if err := d.QueryRowContext(context.Background(), `SELECT count(*), min(maker), min(state) FROM change_requests`).Scan(&n, &maker, &state); err != nil {
		t.Fatal(err)
	}
	if n != 1 || maker != "regional-rm" || state != "submitted" {
		t.Errorf("demo requests: %d by %s, %s", n, maker, state)
	}
}
