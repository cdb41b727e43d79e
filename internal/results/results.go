// Package results is the fund's information management and results
// (docs/results.md): the coverage funnel of every call by commune
// (eligible → applied → selected → enrolled → completed → graduated), the
// focalisation of each call (participants by bracket and percentile, and on
// synthetic data its inclusion and exclusion errors against the
// generator's truth file), open data with small-cell suppression, and
// indicators declared as data per programme line version, computed per
// period with history and off-track alerts. The impact estimators are the
// pure package results/impact.
//
// The slice reads the others through their exported functions only:
// programs (calls and applications counted), delivery (cases' facts) and
// the registry (its frame, for the truth comparison). What it computes it
// keeps in its own tables, and every read is scoped here: national staff
// see every region, a regional officer their own, and nobody else anything.
package results

import (
	"context"
	"log/slog"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/targeting"
)

// Store is the results slice over one database.
type Store struct {
	db   *db.DB
	prog *programs.Store
	dl   *delivery.Store
	reg  *registry.Store
	tgt  *targeting.Store
	log  *slog.Logger
	now  func() time.Time
}

// NewStore returns the results store over d, reading calls from prog,
// cases from dl, the registry from reg and scores from tgt. now is the
// clock (nil: time.Now).
func NewStore(d *db.DB, prog *programs.Store, dl *delivery.Store, reg *registry.Store, tgt *targeting.Store, log *slog.Logger, now func() time.Time) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Store{db: d, prog: prog, dl: dl, reg: reg, tgt: tgt, log: log, now: now}
}

// reach is what the caller may see: every region (national) or one.
type reach struct {
	p        *auth.Principal
	national bool
	region   string
}

// sees reports whether r may see region code's figures.
func (r *reach) sees(region string) bool { return r.national || region == r.region }

// access returns the caller's reach, failing closed without a principal
// and refusing roles that do not read results (agencies, counsellors,
// cooperation, finance: their own slices show them their figures).
func (s *Store) access(ctx context.Context) (*reach, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return nil, refuse(fosis.EUNAUTHORIZED, "results.err.sign_in")
	}
	switch {
	case p.System || p.SeesAllRegions():
		return &reach{p: p, national: true}, nil
	case p.Role == auth.RoleRegional && p.RegionCode != "":
		return &reach{p: p, region: p.RegionCode}, nil
	}
	return nil, refuse(fosis.EFORBIDDEN, "results.err.role", roleTerm(p.Role))
}

// computer returns the caller's reach if it may run a computation (national
// staff who write: administrators and analysts).
func (s *Store) computer(ctx context.Context) (*reach, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	if !r.national || !r.p.Writes() {
		return nil, refuse(fosis.EFORBIDDEN, "results.err.national_only", roleTerm(r.p.Role))
	}
	return r, nil
}

// lock takes computation name's lock row in tx: concurrent runs of the same
// computation queue behind it (the update's row lock on PostgreSQL, the one
// writer on SQLite). The update is guarded: the row must exist.
func lock(ctx context.Context, tx *db.Tx, name string) error {
	res, err := tx.ExecContext(ctx, `UPDATE results_locks SET ran_at = ?, runs = runs + 1 WHERE name = ?`, tx.DB().Time(tx.Now), name)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return refuse(fosis.ECONFLICT, "results.err.lock", name)
	}
	return nil
}

// roleTerm is a role as a catalog word.
func roleTerm(r auth.Role) fosis.Phrase {
	return fosis.Phrase{Key: "role." + string(r), Text: string(r)}
}
