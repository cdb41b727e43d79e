package audit

import (
	"context"
	"fmt"

	"github.com/fosis/fosis/internal/platform/db"
)

// Head returns the newest entry's sequence number and hash: the chain's
// anchor, to be kept outside the database (`fosis audit anchor`) and given
// back to `fosis audit verify --expect`, which then catches a deleted tail.
// An empty log has head 0 and no hash.
func Head(ctx context.Context, d *db.DB) (int64, string, error) {
	var seq int64
	var hash string
	err := d.QueryRowContext(ctx, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").Scan(&seq, &hash)
	if db.IsNoRows(err) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("audit: read the newest entry: %w", err)
	}
	return seq, hash, nil
}
