package delivery

import (
	"context"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// Counsellor is a counsellor of an executing agency and their caseload.
type Counsellor struct {
	UserID     int64  `json:"user_id"`
	Username   string `json:"username"`
	Agency     string `json:"agency"`
	Supervisor string `json:"supervisor,omitempty"`
	Limit      int    `json:"caseload_limit"`
	Active     int    `json:"active_cases"`
}

// DefaultCaseload is a counsellor's limit when none is given.
const DefaultCaseload = 60

// AddCounsellor makes user username (role counsellor) a counsellor of
// agency, supervised by supervisor (a username, "" for none), with a limit
// of cases (0: DefaultCaseload). Again for the same user, it updates them.
func (s *Store) AddCounsellor(ctx context.Context, username, agency, supervisor string, limit int) error {
	r, err := s.national(ctx)
	if err != nil {
		return err
	}
	if limit == 0 {
		limit = DefaultCaseload
	}
	if limit < 1 {
		return withField(refuse(fosis.EINVALID, "delivery.err.bad_limit", limit), "caseload_limit")
	}
	ok, err := s.prog.AgencyExists(ctx, agency)
	if err != nil {
		return err
	}
	if !ok {
		return withField(refuse(fosis.ENOTFOUND, "delivery.err.no_agency_code", agency), "agency")
	}
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		uid, role, err := userByName(ctx, tx, username)
		if err != nil {
			return err
		}
		if role != "counsellor" {
			return withField(refuse(fosis.EINVALID, "delivery.err.not_counsellor", username), "username")
		}
		var sup any
		if supervisor != "" {
			id, _, err := userByName(ctx, tx, supervisor)
			if err != nil {
				return err
			}
			sup = id
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO delivery_counsellors (user_id, agency_code, supervisor, caseload_limit, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET agency_code = excluded.agency_code, supervisor = excluded.supervisor, caseload_limit = excluded.caseload_limit`,
			uid, agency, sup, limit, tx.DB().Time(tx.Now)); err != nil {
			return err
		}
		return record(ctx, tx, r, "counsellor.save", "user", itoa(uid), nil, map[string]any{"agency": agency, "supervisor": supervisor, "limit": limit})
	})
}

// userByName returns a user's id and role.
func userByName(ctx context.Context, tx *db.Tx, username string) (int64, string, error) {
	var id int64
	var role string
	err := tx.QueryRowContext(ctx, `SELECT id, role FROM users WHERE username = ?`, username).Scan(&id, &role)
	if db.IsNoRows(err) {
		return 0, "", withField(refuse(fosis.ENOTFOUND, "delivery.err.no_user", username), "username")
	}
	return id, role, err
}

// GrantNotes authorises FOSIS staff user username to read session notes
// within their reach (administrators only; audited).
func (s *Store) GrantNotes(ctx context.Context, username string) error {
	r, err := s.national(ctx)
	if err != nil {
		return err
	}
	if !r.p.System && r.p.Role != "admin" {
		return refuse(fosis.EFORBIDDEN, "delivery.err.admins_grant")
	}
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		uid, _, err := userByName(ctx, tx, username)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO delivery_note_readers (user_id, granted_by, granted_at) VALUES (?, ?, ?) ON CONFLICT (user_id) DO NOTHING`,
			uid, r.p.Username, tx.DB().Time(tx.Now)); err != nil {
			return err
		}
		return record(ctx, tx, r, "notes.grant", "user", itoa(uid), nil, map[string]string{"username": username})
	})
}

// Counsellors lists the counsellors the caller may see (national and
// regional staff: all; agency staff: their agency's; a counsellor: self)
// with their active cases.
func (s *Store) Counsellors(ctx context.Context) ([]Counsellor, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	where, args := "1 = 1", []any{}
	switch {
	case r.agency != "":
		where, args = "k.agency_code = ?", []any{r.agency}
	case r.counsellor != 0:
		where, args = "k.user_id = ?", []any{r.counsellor}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT k.user_id, u.username, k.agency_code, COALESCE(v.username, ''), k.caseload_limit,
		(SELECT count(*) FROM delivery_cases c WHERE c.counsellor = k.user_id AND c.state <> 'graduated' AND c.state <> 'exited')
		FROM delivery_counsellors k JOIN users u ON u.id = k.user_id LEFT JOIN users v ON v.id = k.supervisor
		WHERE `+where+` ORDER BY k.agency_code, u.username`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Counsellor{}
	for rows.Next() {
		var c Counsellor
		if err := rows.Scan(&c.UserID, &c.Username, &c.Agency, &c.Supervisor, &c.Limit, &c.Active); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
