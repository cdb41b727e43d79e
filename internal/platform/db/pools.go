package db

import "database/sql"

// Pools returns the connection pools by role, for monitoring: "writer" and
// "reader" on SQLite (one writer connection, a read-only pool), "pool" on
// PostgreSQL (one pool serves both).
func (d *DB) Pools() map[string]*sql.DB {
	if d.r == d.w {
		return map[string]*sql.DB{"pool": d.w}
	}
	return map[string]*sql.DB{"writer": d.w, "reader": d.r}
}
