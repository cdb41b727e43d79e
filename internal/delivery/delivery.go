// Package delivery is what FOSIS does after a family or person is enrolled:
// methodologies per programme line version (the components a participant
// goes through, each with its kind and completion rule), cases with a
// guarded state machine and a timeline, the diagnosis of minimum conditions
// at entry and exit, and sessions and visits, whose notes are sensitive and
// audited at every read. docs/delivery.md describes it.
//
// Every function takes the caller's principal from ctx and enforces its
// reach here, below any handler: national staff (administrators, analysts,
// auditors) see every case, regional officers their region's, agency staff
// their agency's, counsellors their own caseload. A case outside the
// caller's reach answers exactly like a missing one.
package delivery

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/registry"
)

// Store is the delivery slice's access to the database. Programmes and the
// registry are read through their own stores, never their tables.
type Store struct {
	db   *db.DB
	prog *programs.Store
	reg  *registry.Store
	log  *slog.Logger
	now  func() time.Time
	// hooks other slices set through cli (hooks.go)
	onPlanApproved PlanHook
	onCaseClosed   CloseHook
	// methods caches methodologies by id: a stored methodology is never
	// changed (a new programme version gets a new row), and every case
	// file reads its case's.
	methods sync.Map
}

// NewStore returns a Store over d. now is the clock of "today" (nil for
// time.Now).
func NewStore(d *db.DB, prog *programs.Store, reg *registry.Store, log *slog.Logger, now func() time.Time) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Store{db: d, prog: prog, reg: reg, log: log, now: now}
}

// today is the store's current date (UTC midnight).
func (s *Store) today() time.Time {
	t := s.now().UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// reach is what the caller may see and do in this slice.
type reach struct {
	p *auth.Principal
	// national: administrators, analysts and auditors see every case.
	national bool
	// region: a regional officer's region.
	region string
	// agency: the agency of agency staff.
	agency string
	// counsellor: a counsellor sees the cases assigned to them.
	counsellor int64
}

// access returns the caller's reach, failing closed without a principal and
// forbidding roles with nothing to do with cases.
func (s *Store) access(ctx context.Context) (*reach, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return nil, refuse(fosis.EUNAUTHORIZED, "delivery.err.sign_in")
	}
	r := &reach{p: p}
	switch {
	case p.System || p.SeesAllRegions():
		r.national = true
	case p.Role == auth.RoleRegional && p.RegionCode != "":
		r.region = p.RegionCode
	case p.Role == auth.RoleAgency:
		code, err := s.prog.AgencyOf(ctx, p.UserID)
		if err != nil {
			return nil, err
		}
		if code == "" {
			return nil, refuse(fosis.EFORBIDDEN, "delivery.err.no_agency")
		}
		r.agency = code
	case p.Role == auth.RoleCounsellor:
		r.counsellor = p.UserID
	default:
		return nil, refuse(fosis.EFORBIDDEN, "delivery.err.role", fosis.Phrase{Key: "role." + string(p.Role), Text: string(p.Role)})
	}
	return r, nil
}

// writer returns the caller's reach if it may change cases.
func (s *Store) writer(ctx context.Context) (*reach, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	if !r.p.Writes() {
		return nil, refuse(fosis.EFORBIDDEN, "delivery.err.read_only", fosis.Phrase{Key: "role." + string(r.p.Role), Text: string(r.p.Role)})
	}
	return r, nil
}

// national returns the caller's reach if it is national staff who may write
// (administrators, analysts): methodologies, counsellors, note readers.
func (s *Store) national(ctx context.Context) (*reach, error) {
	r, err := s.writer(ctx)
	if err != nil {
		return nil, err
	}
	if !r.national {
		return nil, refuse(fosis.EFORBIDDEN, "delivery.err.national_only")
	}
	return r, nil
}

// scopeSQL returns a condition on delivery_cases aliased c that keeps the
// cases r may see, and its arguments.
func (r *reach) scopeSQL() (string, []any) {
	switch {
	case r.national:
		return "1 = 1", nil
	case r.region != "":
		return "c.region_code = ?", []any{r.region}
	case r.agency != "":
		return "c.agency_code = ?", []any{r.agency}
	default:
		return "c.counsellor = ?", []any{r.counsellor}
	}
}

// sees reports whether r may see case c.
func (r *reach) sees(c *Case) bool {
	switch {
	case r.national:
		return true
	case r.region != "":
		return c.Region == r.region
	case r.agency != "":
		return c.Agency == r.agency
	default:
		return c.CounsellorID == r.counsellor
	}
}

// record appends an audit entry in tx.
func record(ctx context.Context, tx *db.Tx, r *reach, action, entity, id string, before, after any) error {
	_, err := audit.Append(ctx, tx, audit.Entry{Actor: r.p.Username, ActorRole: string(r.p.Role), Action: action,
		Entity: entity, EntityID: id, Before: before, After: after})
	return err
}

// event appends an entry to a case's timeline in tx.
func event(ctx context.Context, tx *db.Tx, r *reach, caseID int64, kind, from, to, detail string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO delivery_events (case_id, at, actor, kind, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		caseID, tx.DB().Time(tx.Now), r.p.Username, kind, from, to, detail)
	return err
}

// clean trims s and collapses inner runs of white space.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
