package registry

import "github.com/fosis/fosis/internal/platform/db"

// FilterSQL exposes a filter's conditions to the tests.
func FilterSQL(f ListFilter) (string, []any) { return f.where() }

// SetNameWalk sets how the name search walks a surname's range
// (searchLead), on both engines, until the returned function restores it.
func SetNameWalk(batch, walk, details int) (restore func()) {
	b, w, d := nameBatch, nameWalk, nameDetails
	nameBatch, nameWalk, nameDetails = batch, map[db.Engine]int{db.Postgres: walk, db.SQLite: walk}, details
	return func() { nameBatch, nameWalk, nameDetails = b, w, d }
}
