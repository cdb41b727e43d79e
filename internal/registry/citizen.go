package registry

import (
	"context"
	"database/sql"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
)

// OwnHouseholdFile returns the household of the citizen signed in to the
// portal (auth.RoleCitizen), with its score inputs: the household a
// member of which has the citizen's national ID. It is a citizen's only
// way into the registry: staff use HouseholdFileByID, and a citizen
// reaches no other household. A person not in the registry gets not found.
func (s *Store) OwnHouseholdFile(ctx context.Context) (*HouseholdFile, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return nil, fosis.Errorf(fosis.EUNAUTHORIZED, "sign in first")
	}
	if p.Role != auth.RoleCitizen || p.PersonKey <= 0 {
		return nil, fosis.Errorf(fosis.EFORBIDDEN, "only a person signed in to the portal has a household of their own here")
	}
	var key int64
	err := s.db.QueryRowContext(ctx, `SELECT household FROM persons WHERE run = ?`, p.PersonKey).Scan(&key)
	if err == sql.ErrNoRows {
		return nil, fosis.KeyedErrorf(fosis.ENOTFOUND, "portal.err.not_registered", "you are not in the social registry yet")
	}
	if err != nil {
		return nil, err
	}
	h, f, err := s.withMembers(ctx, `h.id = ?`, key, true)
	if err != nil {
		return nil, err
	}
	return &HouseholdFile{view: h, frame: f}, nil
}
