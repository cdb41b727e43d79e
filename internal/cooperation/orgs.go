package cooperation

import (
	"context"
	"database/sql"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/cooperation/iati"
	"github.com/fosis/fosis/internal/platform/db"
)

// Org is a partner organisation: a national cooperation agency (AGCI and the
// partners' own), a ministry or institution, a financing source, or FOSIS
// itself (Reporting).
type Org struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Country string `json:"country"`  // ISO 3166-1 alpha-2; "" for international bodies
	IATIRef string `json:"iati_ref"` // IATI organisation identifier, e.g. CL-RUT-60109000-3
	// Type is the IATI OrganisationType code (10 government, 40 multilateral…).
	Type      int  `json:"type"`
	Strategic bool `json:"strategic"` // strategic/political partner
	Technical bool `json:"technical"` // technical partner
	Financial bool `json:"financial"` // financial partner
	Agency    bool `json:"agency"`    // a national cooperation agency
	Reporting bool `json:"reporting"` // FOSIS itself: the IATI reporting organisation
}

// Roles lists the org's partner roles in words (strategic, technical, financial).
func (o *Org) Roles() []string {
	var r []string
	if o.Strategic {
		r = append(r, "strategic")
	}
	if o.Technical {
		r = append(r, "technical")
	}
	if o.Financial {
		r = append(r, "financial")
	}
	return r
}

// Side is where an organisation stands in a project.
type Side string

// The sides of a project: Chile (FOSIS, AGCI), the requesting partner country,
// and third parties (financing sources from elsewhere, international bodies).
const (
	SideChile   Side = "chile"
	SidePartner Side = "partner"
	SideThird   Side = "third"
)

// SideIn returns o's side in a project with partner country pc.
func (o *Org) SideIn(pc string) Side {
	switch {
	case o.Country == "CL":
		return SideChile
	case o.Country != "" && o.Country == pc:
		return SidePartner
	}
	return SideThird
}

var (
	countryRe = regexp.MustCompile(`^[A-Z]{2}$`)
	// An IATI org id is a registration-agency prefix and an id: no spaces and
	// none of / & | ? (ruleset 1.3.13).
	orgRefRe = regexp.MustCompile(`^[A-Za-z]{2,}(-[A-Za-z0-9]+)+$`)
)

// validate checks o and normalises it.
func (o *Org) validate() error {
	o.Name = clean(o.Name)
	o.Country = strings.ToUpper(strings.TrimSpace(o.Country))
	o.IATIRef = strings.TrimSpace(o.IATIRef)
	switch {
	case o.Name == "":
		return invalid("name", "coop.err.name.organisation_needs", "an organisation needs a name")
	case o.Country != "" && !countryRe.MatchString(o.Country):
		return invalid("country", "coop.err.country.iso_alpha", "%q is not an ISO 3166-1 alpha-2 code such as CL or PY", o.Country)
	case o.IATIRef != "" && !orgRefRe.MatchString(o.IATIRef):
		return invalid("iati_ref", "coop.err.iati_ref.iati_organisation", "%q is not an IATI organisation identifier (agency prefix and id, e.g. CL-RUT-60109000-3)", o.IATIRef)
	case o.Reporting && o.IATIRef == "":
		return invalid("iati_ref", "coop.err.iati_ref.reporting_organisation", "the reporting organisation (FOSIS) needs its IATI organisation identifier")
	case !o.Strategic && !o.Technical && !o.Financial && !o.Reporting:
		return invalid("roles", "coop.err.roles.give_at", "give at least one role: strategic, technical or financial")
	}
	if o.Type == 0 {
		o.Type = 10
	}
	if !validOrgType(o.Type) {
		return invalid("type", "coop.err.type.iati_organisationtype", "%d is not an IATI OrganisationType code (10, 11, 15, 21–24, 30, 40, 60, 70–73, 80, 90)", o.Type)
	}
	return nil
}

// validOrgType checks t against the bundled IATI OrganisationType codelist.
func validOrgType(t int) bool { return iati.InList("OrganisationType", strconv.Itoa(t)) }

// SaveOrg creates the organisation o (by name) or updates the one with its
// name, and returns it with its id.
func (s *Store) SaveOrg(ctx context.Context, o Org) (*Org, error) {
	r, err := s.writer(ctx)
	if err != nil {
		return nil, err
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		if o.Reporting {
			var other string
			err := tx.QueryRowContext(ctx, `SELECT name FROM coop_orgs WHERE reporting = 1 AND name <> ?`, o.Name).Scan(&other)
			if err == nil {
				return fosis.KeyedErrorf(fosis.ECONFLICT, "coop.err.already_reporting_organisation", "%s is already the reporting organisation; there is only one", other)
			} else if !db.IsNoRows(err) {
				return err
			}
		}
		var before *Org
		old, err := orgByName(ctx, tx, o.Name)
		if err != nil && fosis.ErrorCode(err) != fosis.ENOTFOUND {
			return err
		}
		if old != nil {
			before = old
			o.ID = old.ID
			_, err = tx.ExecContext(ctx, `UPDATE coop_orgs SET country = ?, iati_ref = ?, org_type = ?, strategic = ?, technical = ?, financial = ?, agency = ?, reporting = ? WHERE id = ?`,
				o.Country, o.IATIRef, o.Type, db.Bool(o.Strategic), db.Bool(o.Technical), db.Bool(o.Financial), db.Bool(o.Agency), db.Bool(o.Reporting), o.ID)
		} else {
			o.ID, err = tx.InsertID(ctx, `INSERT INTO coop_orgs (name, country, iati_ref, org_type, strategic, technical, financial, agency, reporting, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				o.Name, o.Country, o.IATIRef, o.Type, db.Bool(o.Strategic), db.Bool(o.Technical), db.Bool(o.Financial), db.Bool(o.Agency), db.Bool(o.Reporting), tx.DB().Time(tx.Now))
		}
		if err != nil {
			return err
		}
		return auditWrite(ctx, tx, r, "coop.org.save", "coop_org", strconv.FormatInt(o.ID, 10), before, o)
	})
	if err != nil {
		return nil, err
	}
	return &o, nil
}

const orgCols = "id, name, country, iati_ref, org_type, strategic, technical, financial, agency, reporting"

type rowScanner interface{ Scan(...any) error }

func scanOrg(sc rowScanner) (*Org, error) {
	var o Org
	var st, te, fi, ag, rp int
	if err := sc.Scan(&o.ID, &o.Name, &o.Country, &o.IATIRef, &o.Type, &st, &te, &fi, &ag, &rp); err != nil {
		return nil, err
	}
	o.Strategic, o.Technical, o.Financial, o.Agency, o.Reporting = st == 1, te == 1, fi == 1, ag == 1, rp == 1
	return &o, nil
}

func orgByName(ctx context.Context, tx *db.Tx, name string) (*Org, error) {
	o, err := scanOrg(tx.QueryRowContext(ctx, `SELECT `+orgCols+` FROM coop_orgs WHERE name = ?`, clean(name)))
	if db.IsNoRows(err) {
		return nil, fosis.KeyedErrorf(fosis.ENOTFOUND, "coop.err.no_organisation_named", "no organisation named %q; add it first with its country and roles", clean(name))
	}
	return o, err
}

// Orgs lists the organisations by country and name. Everyone with access to
// the module may list them: partners need to see who they work with.
func (s *Store) Orgs(ctx context.Context) ([]Org, error) {
	if _, err := s.access(ctx); err != nil {
		return nil, err
	}
	var out []Org
	err := db.Each(ctx, s.db, func(rows *sql.Rows) error {
		o, err := scanOrg(rows)
		if err != nil {
			return err
		}
		out = append(out, *o)
		return nil
	}, `SELECT `+orgCols+` FROM coop_orgs ORDER BY country, name`)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LinkMember records that the user with id userID (a partner counterpart or
// a financer) speaks for the organisation named org.
func (s *Store) LinkMember(ctx context.Context, userID int64, org string) error {
	r, err := s.writer(ctx)
	if err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		o, err := orgByName(ctx, tx, org)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO coop_members (user_id, org_id) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET org_id = excluded.org_id`, userID, o.ID)
		if err != nil {
			return err
		}
		return auditWrite(ctx, tx, r, "coop.member.link", "user", strconv.FormatInt(userID, 10), nil, map[string]any{"org": o.Name})
	})
}

// Level is a decision level; mirrored teams pair members at the same level.
type Level string

// The decision levels, from the top.
const (
	LevelAuthority    Level = "authority"
	LevelDirector     Level = "director"
	LevelCoordinator  Level = "coordinator"
	LevelProfessional Level = "professional"
)

// Valid reports whether l is a known level.
func (l Level) Valid() bool {
	switch l {
	case LevelAuthority, LevelDirector, LevelCoordinator, LevelProfessional:
		return true
	}
	return false
}

// Staff is a FOSIS professional who may join a cooperation team.
type Staff struct {
	ID       int64          `json:"id"`
	Name     string         `json:"name"`
	Position string         `json:"position"`
	Level    Level          `json:"level"`
	Programs []Program      `json:"programs"`
	Avail    []Availability `json:"availability"`
}

// Program is a national program a professional designed or ran.
type Program struct {
	Name string `json:"name"`
	Role string `json:"role"` // designed or ran
}

// Availability is the share of a professional's time (percent) cooperation
// may use in the months From to To (inclusive).
type Availability struct {
	From  Month `json:"from"`
	To    Month `json:"to"`
	Share int   `json:"share"`
}

// Month is a calendar month, YYYY-MM.
type Month string

// ParseMonth parses "YYYY-MM".
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", strings.TrimSpace(s))
	if err != nil {
		return "", fosis.KeyedErrorf(fosis.EINVALID, "coop.err.month_yyyy_mm", "%q is not a month (YYYY-MM)", s)
	}
	return Month(t.Format("2006-01")), nil
}

// Next returns the month after m.
func (m Month) Next() Month {
	t, _ := time.Parse("2006-01", string(m))
	return Month(t.AddDate(0, 1, 0).Format("2006-01"))
}

// MonthOf returns the month of t.
func MonthOf(t time.Time) Month { return Month(t.Format("2006-01")) }

// SaveStaff creates or updates (by name) a FOSIS professional with the
// programs they designed or ran and their availability, replacing both lists.
func (s *Store) SaveStaff(ctx context.Context, st Staff) (*Staff, error) {
	r, err := s.writer(ctx)
	if err != nil {
		return nil, err
	}
	st.Name = clean(st.Name)
	st.Position = clean(st.Position)
	if st.Name == "" {
		return nil, invalid("name", "coop.err.name.professional_needs", "a professional needs a name")
	}
	if !st.Level.Valid() {
		return nil, invalid("level", "coop.err.level.decision_level", "%q is not a decision level (authority, director, coordinator, professional)", st.Level)
	}
	for i := range st.Programs {
		p := &st.Programs[i]
		p.Name = clean(p.Name)
		if p.Name == "" {
			return nil, invalid("programs", "coop.err.programs.program_has", "program %d has no name", i+1)
		}
		if p.Role != "designed" && p.Role != "ran" {
			return nil, invalid("programs", "coop.err.programs.program_role", "program %q: role %q is neither designed nor ran", p.Name, p.Role)
		}
	}
	for i, a := range st.Avail {
		if _, err := ParseMonth(string(a.From)); err != nil {
			return nil, invalid("availability", "coop.err.availability.period_from", "period %d: from: %s", i+1, phraseOf(err))
		}
		if _, err := ParseMonth(string(a.To)); err != nil {
			return nil, invalid("availability", "coop.err.availability.period_to", "period %d: to: %s", i+1, phraseOf(err))
		}
		if a.To < a.From {
			return nil, invalid("availability", "coop.err.availability.period_ends", "period %d ends (%s) before it starts (%s)", i+1, a.To, a.From)
		}
		if a.Share < 0 || a.Share > 100 {
			return nil, invalid("availability", "coop.err.availability.period_share", "period %d: share %d%% is not between 0 and 100", i+1, a.Share)
		}
		for j, b := range st.Avail[:i] {
			if a.From <= b.To && b.From <= a.To {
				return nil, invalid("availability", "coop.err.availability.periods_overlap", "periods %d (%s–%s) and %d (%s–%s) overlap", j+1, b.From, b.To, i+1, a.From, a.To)
			}
		}
	}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT id FROM coop_staff WHERE name = ?`, st.Name).Scan(&st.ID)
		switch {
		case db.IsNoRows(err):
			st.ID, err = tx.InsertID(ctx, `INSERT INTO coop_staff (name, position, level, created_at) VALUES (?, ?, ?, ?)`,
				st.Name, st.Position, string(st.Level), tx.DB().Time(tx.Now))
		case err == nil:
			_, err = tx.ExecContext(ctx, `UPDATE coop_staff SET position = ?, level = ? WHERE id = ?`, st.Position, string(st.Level), st.ID)
		}
		if err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM coop_staff_programs WHERE staff_id = ?`, `DELETE FROM coop_staff_availability WHERE staff_id = ?`} {
			if _, err := tx.ExecContext(ctx, q, st.ID); err != nil {
				return err
			}
		}
		for _, p := range st.Programs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO coop_staff_programs (staff_id, program, role) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, st.ID, p.Name, p.Role); err != nil {
				return err
			}
		}
		for _, a := range st.Avail {
			if _, err := tx.ExecContext(ctx, `INSERT INTO coop_staff_availability (staff_id, month_from, month_to, share) VALUES (?, ?, ?, ?)`, st.ID, string(a.From), string(a.To), a.Share); err != nil {
				return err
			}
		}
		// Cutting availability below what approved projects already take
		// from this professional is refused, naming the months and projects.
		load, err := s.committedLoad(ctx, tx, 0)
		if err != nil {
			return err
		}
		var mine []Assignment
		projects := map[string]bool{}
		for _, a := range load {
			if a.StaffID == st.ID {
				mine = append(mine, a)
				projects[a.Project] = true
			}
		}
		if clashes := Clashes([]Staff{st}, mine); len(clashes) > 0 {
			msgs := make([]string, len(clashes))
			for i, c := range clashes {
				msgs[i] = c.String()
			}
			names := slices.Sorted(maps.Keys(projects))
			return blocked("coop.refused.staff_capacity.cut", "%s is already committed to %s; the new availability falls short: %s", st.Name, strings.Join(names, ", "), strings.Join(msgs, "; "))
		}
		return auditWrite(ctx, tx, r, "coop.staff.save", "coop_staff", strconv.FormatInt(st.ID, 10), nil, st)
	})
	if err != nil {
		return nil, err
	}
	return &st, nil
}

// StaffList returns every FOSIS professional with programs and availability.
// Only FOSIS's side (officers, administrators, auditors) sees staff.
func (s *Store) StaffList(ctx context.Context) ([]Staff, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	if !r.all {
		return nil, fosis.KeyedErrorf(fosis.EFORBIDDEN, "coop.err.fosis_s_staff", "FOSIS's staff list is for cooperation officers")
	}
	return s.staff(ctx)
}

func (s *Store) staff(ctx context.Context) ([]Staff, error) {
	var out []Staff
	idx := map[int64]int{}
	err := db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var st Staff
		if err := rows.Scan(&st.ID, &st.Name, &st.Position, &st.Level); err != nil {
			return err
		}
		idx[st.ID] = len(out)
		out = append(out, st)
		return nil
	}, `SELECT id, name, position, level FROM coop_staff ORDER BY name`)
	if err != nil {
		return nil, err
	}
	err = db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var id int64
		var p Program
		if err := rows.Scan(&id, &p.Name, &p.Role); err != nil {
			return err
		}
		out[idx[id]].Programs = append(out[idx[id]].Programs, p)
		return nil
	}, `SELECT staff_id, program, role FROM coop_staff_programs ORDER BY staff_id, program, role`)
	if err != nil {
		return nil, err
	}
	err = db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var id int64
		var a Availability
		if err := rows.Scan(&id, &a.From, &a.To, &a.Share); err != nil {
			return err
		}
		out[idx[id]].Avail = append(out[idx[id]].Avail, a)
		return nil
	}, `SELECT staff_id, month_from, month_to, share FROM coop_staff_availability ORDER BY staff_id, month_from`)
	if err != nil {
		return nil, err
	}
	return out, nil
}
