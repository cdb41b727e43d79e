package registry

import (
	"context"
	"fmt"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// An import's state transitions, and how each is guarded:
//
//   - prepared → writing: the import's transaction first moves the import
//     sequence (table import_state) on from the value read before planning
//     (importSeq, then claimImport: compare-and-set, rows affected checked).
//     Of imports planned against the same registry only the first to get
//     there writes; the others are refused, and their plans (keys of new
//     households, persons moved or removed) are never applied over another
//     import's rows. On PostgreSQL the row lock makes the others wait for
//     the first's commit, then find the sequence moved.
//   - writing → finished: the imports row is written and finished in the
//     same transaction (finishImport updates it only while unfinished);
//     a failure or a cancelled context rolls back the whole import, so no
//     import is ever left half-written or "running" in the database.
//   - in one server, the job tracker (platform/jobs) starts at most one
//     import job at a time, under its lock.

// importSeq reads the import sequence: the registry's state an import
// plans against.
func (s *Store) importSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.db.QueryRowContext(ctx, `SELECT seq FROM import_state WHERE id = 1`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("import sequence: %w", err)
	}
	return seq, nil
}

// errImportRaced refuses an import whose plan another import made stale.
func errImportRaced() error {
	return fosis.KeyedErrorf(fosis.ECONFLICT, "imports.err.raced",
		"another import was written while this one was being prepared; nothing was written: run this import again")
}

// claimImport moves the import sequence on from seq, inside tx, or refuses
// if another import moved it first.
func claimImport(ctx context.Context, tx *db.Tx, seq int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE import_state SET seq = seq + 1 WHERE id = 1 AND seq = ?`, seq)
	if err != nil {
		return fmt.Errorf("claim the registry for the import: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return errImportRaced()
	}
	return nil
}

// finishImport marks import id finished with its counts, inside tx, only
// while it is unfinished.
func finishImport(ctx context.Context, tx *db.Tx, id int64, now any, sum *ImportSummary, problems int) error {
	res, err := tx.ExecContext(ctx, `UPDATE imports SET finished_at = ?, households_read = ?, persons_read = ?,
		households_inserted = ?, households_updated = ?, households_rejected = ?, persons_moved = ?, problems = ?
		WHERE id = ? AND finished_at IS NULL`, now, sum.HouseholdsRead, sum.PersonsRead, sum.Inserted, sum.Updated, sum.Rejected,
		sum.PersonsMoved, problems, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return fmt.Errorf("finish import %d: it is not an unfinished import (%d rows)", id, n)
	}
	return nil
}
