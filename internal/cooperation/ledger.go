package cooperation

import (
	"context"
	"database/sql"
	"sort"
	"strings"

	"github.com/fosis/fosis/internal/platform/db"
)

// Modality is the kind of cooperation the shared-costs ledger shows.
type Modality string

// The modalities: bilateral South-South (horizontal) when the two countries
// carry the costs, triangular when a third party finances.
const (
	Bilateral  Modality = "bilateral"
	Triangular Modality = "triangular"
)

// Contribution is one line of the shared-costs ledger.
type Contribution struct {
	Org        string `json:"org"`
	Side       Side   `json:"side"`
	Year       int    `json:"year"`
	Category   string `json:"category"`
	Kind       string `json:"kind"` // cash or in_kind
	Valuation  string `json:"valuation,omitempty"`
	Budgeted   int64  `json:"budgeted"`
	Executed   int64  `json:"executed"`
	ExecutedOn Date   `json:"executed_on"`
	IATIRef    string `json:"-"`
	OrgType    int    `json:"-"`
	// IATIActivity is the contributor's own published IATI activity for
	// this project, if any (recorded with its commitment in the agreement).
	IATIActivity string `json:"-"`
}

// DeriveModality returns triangular when a third party (neither Chile nor
// the partner country) puts resources in, bilateral when only the two
// countries do, and "" when nobody has yet.
func DeriveModality(lines []Contribution) Modality {
	if len(lines) == 0 {
		return ""
	}
	for _, l := range lines {
		if l.Side == SideThird && (l.Budgeted > 0 || l.Executed > 0) {
			return Triangular
		}
	}
	return Bilateral
}

// Total is what one party (or side) carries: budgeted and executed, split
// into cash and in kind.
type Total struct {
	Name           string `json:"name"`
	Side           Side   `json:"side"`
	Budgeted       int64  `json:"budgeted"`
	Executed       int64  `json:"executed"`
	BudgetedCash   int64  `json:"budgeted_cash"`
	BudgetedInKind int64  `json:"budgeted_in_kind"`
	ExecutedCash   int64  `json:"executed_cash"`
	ExecutedInKind int64  `json:"executed_in_kind"`
}

func (t *Total) add(l Contribution) {
	t.Budgeted += l.Budgeted
	t.Executed += l.Executed
	if l.Kind == "cash" {
		t.BudgetedCash += l.Budgeted
		t.ExecutedCash += l.Executed
	} else {
		t.BudgetedInKind += l.Budgeted
		t.ExecutedInKind += l.Executed
	}
}

// Totals is the ledger summed up: per party, per side, per year and overall.
type Totals struct {
	Parties []Total       `json:"parties"`
	Sides   []Total       `json:"sides"`
	Years   map[int]Total `json:"years"`
	All     Total         `json:"all"`
}

// Sum adds up ledger lines. Parties and sides come in side order (Chile,
// partner, third) then by name.
func Sum(lines []Contribution) Totals {
	t := Totals{Years: map[int]Total{}}
	parties := map[string]*Total{}
	sides := map[Side]*Total{}
	for _, l := range lines {
		if parties[l.Org] == nil {
			parties[l.Org] = &Total{Name: l.Org, Side: l.Side}
		}
		parties[l.Org].add(l)
		if sides[l.Side] == nil {
			sides[l.Side] = &Total{Name: string(l.Side), Side: l.Side}
		}
		sides[l.Side].add(l)
		y := t.Years[l.Year]
		y.add(l)
		t.Years[l.Year] = y
		t.All.add(l)
	}
	order := map[Side]int{SideChile: 0, SidePartner: 1, SideThird: 2}
	for _, p := range parties {
		t.Parties = append(t.Parties, *p)
	}
	sort.Slice(t.Parties, func(i, j int) bool {
		a, b := t.Parties[i], t.Parties[j]
		if a.Side != b.Side {
			return order[a.Side] < order[b.Side]
		}
		return a.Name < b.Name
	})
	for _, sd := range []Side{SideChile, SidePartner, SideThird} {
		if sides[sd] != nil {
			t.Sides = append(t.Sides, *sides[sd])
		}
	}
	return t
}

// ledger reads the project's ledger lines.
func (s *Store) ledger(ctx context.Context, p *Project) ([]Contribution, error) {
	var out []Contribution
	err := db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var c Contribution
		var country string
		var on db.Day
		if err := rows.Scan(&c.Org, &country, &c.IATIRef, &c.OrgType, &c.Year, &c.Category, &c.Kind, &c.Valuation, &c.Budgeted, &c.Executed, &on, &c.IATIActivity); err != nil {
			return err
		}
		c.Side = (&Org{Country: country}).SideIn(p.PartnerCountry)
		c.ExecutedOn = Date{on.Time}
		out = append(out, c)
		return nil
	}, `SELECT o.name, o.country, o.iati_ref, o.org_type, c.year, c.category, c.kind, c.valuation, c.budgeted, c.executed, c.executed_on,
		COALESCE((SELECT sg.iati_activity FROM coop_signatories sg WHERE sg.project_id = c.project_id AND sg.org_id = c.org_id), '')
		FROM coop_contributions c JOIN coop_orgs o ON o.id = c.org_id WHERE c.project_id = ? ORDER BY c.year, o.name, c.category, c.kind`, p.ID)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Execution is what a party actually spent or gave on one ledger line.
type Execution struct {
	Org       string `json:"org"`
	Year      int    `json:"year"`
	Category  string `json:"category"`
	Kind      string `json:"kind"`
	Valuation string `json:"valuation,omitempty"`
	Amount    int64  `json:"amount"`
	On        Date   `json:"on"`
}

// RecordExecution sets the executed amount of a ledger line (creating an
// unbudgeted line if there is none) as of date On, which may not be in the
// future. Execution is recorded from the agreement on.
func (s *Store) RecordExecution(ctx context.Context, code string, e Execution) error {
	r, err := s.writer(ctx)
	if err != nil {
		return err
	}
	e.Valuation = strings.TrimSpace(e.Valuation)
	switch {
	case !validCategory(e.Category):
		return invalid("category", "coop.err.category.x", "%q is not one of %s", e.Category, strings.Join(Categories, ", "))
	case e.Kind != "cash" && e.Kind != "in_kind":
		return invalid("kind", "coop.err.kind.neither_cash", "%q is neither cash nor in_kind", e.Kind)
	case e.Amount < 0:
		return invalid("amount", "coop.err.amount.negative", "%d is negative", e.Amount)
	}
	if err := s.notFuture("on", e.On); err != nil {
		return err
	}
	if e.On.Year() < e.Year {
		return invalid("on", "coop.err.on.before_year", "%s is before the year %d it records", e.On, e.Year)
	}
	return s.inProject(ctx, r, code, func(tx *db.Tx, p *Project) error {
		if err := needStep(p, "recording execution", StepAgreed, StepExecuting, StepSystematizing); err != nil {
			return err
		}
		o, err := orgByName(ctx, tx, e.Org)
		if err != nil {
			return err
		}
		// The modality changes only through the agreement: a line from an
		// organisation that is not a party would make a bilateral project
		// triangular behind the parties' backs.
		var party int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM coop_parties WHERE project_id = ? AND org_id = ?`, p.ID, o.ID).Scan(&party); err != nil {
			return err
		}
		if party == 0 {
			return blocked("coop.refused.shared_costs.not_party", "%s is not a party of %s; only the parties of its agreement put resources in, and the modality changes only through the agreement", o.Name, p.Code)
		}
		// A third party's line makes the project triangular: under a
		// bilateral agreement that takes an amendment first.
		if o.SideIn(p.PartnerCountry) == SideThird {
			var kind string
			if err := tx.QueryRowContext(ctx, `SELECT kind FROM coop_agreements WHERE project_id = ?`, p.ID).Scan(&kind); err != nil && !db.IsNoRows(err) {
				return err
			}
			if kind == "bilateral" {
				return blocked("coop.refused.agreement.bilateral_third", "%s is a third party and the agreement of %s is bilateral: amend the agreement (trilateral or two bilaterals) before it puts resources in", o.Name, p.Code)
			}
		}
		if d, _, err := s.design(ctx, tx, p.ID, p.ApprovedVersion); err != nil {
			return err
		} else if d != nil && e.On.After(d.End.Time) {
			return blocked("coop.refused.dates.after_end", "%s is after the project's end (%s); nothing is executed after it", e.On, d.End)
		}
		var valuation string
		err = tx.QueryRowContext(ctx, `SELECT valuation FROM coop_contributions WHERE project_id = ? AND org_id = ? AND year = ? AND category = ? AND kind = ?`,
			p.ID, o.ID, e.Year, e.Category, e.Kind).Scan(&valuation)
		if db.IsNoRows(err) {
			if e.Kind == "in_kind" && e.Valuation == "" {
				return invalid("valuation", "coop.err.valuation.unbudgeted_kind", "an unbudgeted in-kind contribution needs its valuation method")
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO coop_contributions (project_id, org_id, year, category, kind, valuation, executed, executed_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				p.ID, o.ID, e.Year, e.Category, e.Kind, e.Valuation, e.Amount, tx.DB().Date(e.On.Time))
		} else if err == nil {
			if e.Valuation == "" {
				e.Valuation = valuation
			}
			_, err = tx.ExecContext(ctx, `UPDATE coop_contributions SET executed = ?, executed_on = ?, valuation = ? WHERE project_id = ? AND org_id = ? AND year = ? AND category = ? AND kind = ?`,
				e.Amount, tx.DB().Date(e.On.Time), e.Valuation, p.ID, o.ID, e.Year, e.Category, e.Kind)
		}
		if err != nil {
			return err
		}
		return auditWrite(ctx, tx, r, "coop.ledger.execute", "coop_project", p.Code, nil, e)
	})
}

// Portfolio sums the shared-costs ledgers of every project the caller may
// see: who carries what across the portfolio, per party, side and year.
func (s *Store) Portfolio(ctx context.Context) (Totals, error) {
	r, err := s.access(ctx)
	if err != nil {
		return Totals{}, err
	}
	cond, args := r.scopeSQL()
	var lines []Contribution
	err = db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var l Contribution
		var country, pc string
		if err := rows.Scan(&l.Org, &country, &pc, &l.Year, &l.Kind, &l.Budgeted, &l.Executed); err != nil {
			return err
		}
		l.Side = (&Org{Country: country}).SideIn(pc)
		lines = append(lines, l)
		return nil
	}, `SELECT o.name, o.country, p.partner_country, c.year, c.kind, SUM(c.budgeted), SUM(c.executed)
		FROM coop_contributions c JOIN coop_projects p ON p.id = c.project_id JOIN coop_orgs o ON o.id = c.org_id
		WHERE `+cond+` GROUP BY o.name, o.country, p.partner_country, c.year, c.kind`, args...)
	if err != nil {
		return Totals{}, err
	}
	return Sum(lines), nil
}
