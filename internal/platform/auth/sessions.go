package auth

import (
	"context"
	"database/sql"
	"time"

	"github.com/fosis/fosis/internal/platform/db"
)

// Sessions keeps the web application's sessions in the sessions table
// (migrations 00005 and 00015): the layout of scs's sqlite3store and
// postgresstore, a token, the encoded data, the expiry and the account
// signed in. The expiry is a Julian day number (REAL) on SQLite, as scs
// writes it, and a TIMESTAMPTZ on PostgreSQL; sessionTime gives either from
// the application's clock, so that one query text serves both engines and
// no query asks the database for its own time. Store.SessionUser reads the
// same table with the account.
type Sessions struct {
	db    *db.DB
	clock func() time.Time
}

// NewSessions returns the sessions kept in d; clock says when "now" is.
func NewSessions(d *db.DB, clock func() time.Time) *Sessions {
	return &Sessions{db: d, clock: clock}
}

// sessionTime returns the engine's argument for a session expiry (or for
// the time compared with one).
func sessionTime(d *db.DB, t time.Time) any {
	if d.Engine == db.Postgres {
		return t.UTC()
	}
	return float64(t.UnixNano())/float64(24*time.Hour) + 2440587.5 // Julian day, as SQLite's julianday()
}

// Find returns a session's data, found false when there is no such
// unexpired session.
func (s *Sessions) Find(ctx context.Context, token string) (data []byte, found bool, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT data FROM sessions WHERE token = ? AND ? < expiry`, token, sessionTime(s.db, s.clock())).Scan(&data)
	if db.IsNoRows(err) {
		return nil, false, nil
	}
	return data, err == nil, err
}

// Commit writes a session: its data, its expiry and the account signed in
// (0: none).
func (s *Sessions) Commit(ctx context.Context, token string, data []byte, expiry time.Time, userID int64) error {
	user := sql.NullInt64{Int64: userID, Valid: userID != 0}
	_, err := s.db.ExecContext(ctx, `INSERT INTO sessions (token, data, expiry, user_id) VALUES (?, ?, ?, ?)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry, user_id = excluded.user_id`,
		token, data, sessionTime(s.db, expiry), user)
	return err
}

// Delete removes a session (signing out).
func (s *Sessions) Delete(ctx context.Context, token string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token = ?`, token)
	return err
}

// DeleteExpired removes the sessions that have ended.
func (s *Sessions) DeleteExpired(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expiry < ?`, sessionTime(s.db, s.clock()))
	return err
}
