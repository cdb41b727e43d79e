package registry

import (
	"context"
	"fmt"

	"github.com/fosis/fosis/internal/platform/db"
)

// The registry's revision is a counter (table registry_revision, one row)
// that every write of households or persons bumps in its own transaction:
// the import (both of its write paths and the bare-insert baseline) and the
// approval of a change request (writeRecord). A copy of the registry kept in
// memory (SharedFrame) is current while the revision it was read at is the
// revision now; one indexed read tells, instead of reloading millions of
// rows. A new writer of households or persons must call bumpRevision in its
// transaction, or the shared frame will go on serving the old data.
//
// The bump is the last statement of each transaction: on PostgreSQL it locks
// the row until commit, so taking it late keeps a long import from holding
// up change approvals for longer than its commit.

// Revision returns the registry's current revision. It grows with every
// committed write of households or persons and never goes back.
func (s *Store) Revision(ctx context.Context) (int64, error) {
	if _, err := caller(ctx); err != nil {
		return 0, err
	}
	return s.revision(ctx)
}

func (s *Store) revision(ctx context.Context) (int64, error) {
	var r int64
	err := s.db.QueryRowContext(ctx, `SELECT revision FROM registry_revision WHERE id = 1`).Scan(&r)
	if err != nil {
		return 0, fmt.Errorf("registry revision: %w", err)
	}
	return r, nil
}

// bumpRevision moves the revision on, inside tx.
func bumpRevision(ctx context.Context, tx *db.Tx) error {
	res, err := tx.ExecContext(ctx, `UPDATE registry_revision SET revision = revision + 1 WHERE id = 1`)
	if err != nil {
		return fmt.Errorf("bump the registry revision: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("bump the registry revision: the registry_revision row is missing (%d rows, %v)", n, err)
	}
	return nil
}
