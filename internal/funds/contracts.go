package funds

// Executing agencies' contracts (docs/funds.md, "Agencies' contracts"): a
// contract's amount per territory, its payment schedule by milestones (for
// example 30 % at the start, 40 % when the mid-term report is accepted, 30
// % at the final report), each released only once its condition holds and
// by maker-checker (who requests a release cannot approve it); the
// guarantees the agency lodged, with expiry alerts; and the agency's monthly
// accountability of what it spent, by category.
//
// Scope: agency staff see only their agency's contracts, a regional
// officer their region's, finance officers and national staff all; out of
// scope answers exactly as missing.

import (
	"context"
	"database/sql"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
)

// Milestone conditions.
const (
	CondStart         = "start"          // the contract is signed
	CondMidtermReport = "midterm_report" // the mid-term report is accepted
	CondFinalReport   = "final_report"   // the final report is accepted
	CondCoverage      = "coverage"       // the participants reached cover the target
)

// Conditions lists the milestone conditions.
var Conditions = []string{CondStart, CondMidtermReport, CondFinalReport, CondCoverage}

// Milestone states: pending → met → requested → released.
const (
	MilestonePending   = "pending"
	MilestoneMet       = "met"
	MilestoneRequested = "requested"
	MilestoneReleased  = "released"
)

// GuaranteeKinds are the guarantees an agency may lodge: a bank guarantee
// (boleta de garantía), an insurance policy (póliza de garantía) or a vale
// vista.
var GuaranteeKinds = []string{"bank_guarantee", "insurance_policy", "vale_vista"}

// SpendCategories are the categories of an agency's accountability.
var SpendCategories = []string{"personnel", "materials", "transport", "services", "participants", "other"}

// TerritoryAmount is a contract's amount in one territory (a commune code).
type TerritoryAmount struct {
	Territory string `json:"territory"`
	Amount    int64  `json:"amount"`
}

// MilestoneSpec is one step of a payment schedule.
type MilestoneSpec struct {
	Percent   int    `json:"percent"`
	Condition string `json:"condition"`
	// Target is the coverage a coverage milestone needs (participants).
	Target int64 `json:"target,omitempty"`
}

// NewContract is what a contract needs.
type NewContract struct {
	Code        string            `json:"code"`
	Agency      string            `json:"agency"`
	Call        string            `json:"call"`
	Region      string            `json:"region"`
	Title       string            `json:"title"`
	Payee       Payee             `json:"payee"`
	StartsOn    string            `json:"starts_on"`
	EndsOn      string            `json:"ends_on"`
	Territories []TerritoryAmount `json:"territories"`
	Schedule    []MilestoneSpec   `json:"schedule"`
}

// Contract is a contract with its territories, milestones, guarantees and
// accountability.
type Contract struct {
	ID          int64             `json:"id"`
	Code        string            `json:"code"`
	Agency      string            `json:"agency"`
	Call        string            `json:"call"`
	Region      string            `json:"region"`
	Title       string            `json:"title,omitempty"`
	Payee       Payee             `json:"payee"`
	StartsOn    string            `json:"starts_on"`
	EndsOn      string            `json:"ends_on"`
	State       string            `json:"state"`
	Amount      int64             `json:"amount"`
	Released    int64             `json:"released"`
	CreatedBy   string            `json:"created_by"`
	SignedBy    string            `json:"signed_by,omitempty"`
	Territories []TerritoryAmount `json:"territories,omitempty"`
	Milestones  []Milestone       `json:"milestones,omitempty"`
	Guarantees  []Guarantee       `json:"guarantees,omitempty"`
	Spending    []Spending        `json:"spending,omitempty"`
}

// Milestone is one step of a contract's payment schedule.
type Milestone struct {
	ID          int64  `json:"id"`
	Contract    string `json:"contract"`
	Seq         int    `json:"seq"`
	Percent     int    `json:"percent"`
	Amount      int64  `json:"amount"`
	Condition   string `json:"condition"`
	Target      int64  `json:"target,omitempty"`
	State       string `json:"state"`
	Evidence    string `json:"evidence,omitempty"`
	MetBy       string `json:"met_by,omitempty"`
	RequestedBy string `json:"requested_by,omitempty"`
	ReleasedBy  string `json:"released_by,omitempty"`
	Payment     int64  `json:"payment,omitempty"`
}

// Guarantee is a guarantee lodged by the agency for a contract.
type Guarantee struct {
	ID        int64  `json:"id"`
	Contract  string `json:"contract"`
	Agency    string `json:"agency,omitempty"`
	Kind      string `json:"kind"`
	Number    string `json:"number"`
	Issuer    string `json:"issuer"`
	Amount    int64  `json:"amount"`
	ExpiresOn string `json:"expires_on"`
	// Alert is "expired", "expiring" (within the alert window) or "".
	Alert string `json:"alert,omitempty"`
}

// Spending is one line of an agency's monthly accountability.
type Spending struct {
	Month    string `json:"month"`
	Category string `json:"category"`
	Amount   int64  `json:"amount"`
	Note     string `json:"note,omitempty"`
	By       string `json:"by"`
}

var (
	territoryRe = regexp.MustCompile(`^[0-9A-Za-z-]{1,20}$`)
	agencyRe    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,59}$`)
	monthRe     = regexp.MustCompile(`^20[0-9]{2}-(0[1-9]|1[0-2])$`)
	docNumberRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ./-]{0,39}$`)
)

// contractReach is what contracts a caller sees.
type contractReach struct {
	p      *auth.Principal
	all    bool
	region string
	agency string
}

// where returns the reach's filter on funds_contracts (alias c).
func (r contractReach) where() (string, []any) {
	switch {
	case r.all:
		return "1 = 1", nil
	case r.region != "":
		return "c.region = ?", []any{r.region}
	}
	return "c.agency = ?", []any{r.agency}
}

func (s *Store) contractReach(ctx context.Context) (contractReach, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return contractReach{}, refuse(fosis.EUNAUTHORIZED, "funds.err.sign_in")
	}
	r := contractReach{p: p}
	switch {
	case p.System || seesAll(p):
		r.all = true
	case p.Role == auth.RoleRegional && p.RegionCode != "":
		r.region = p.RegionCode
	case p.Role == auth.RoleAgency:
		if s.AgencyOf != nil {
			code, err := s.AgencyOf(ctx, p.UserID)
			if err != nil {
				return r, err
			}
			r.agency = code
		}
		if r.agency == "" {
			return r, refuse(fosis.EFORBIDDEN, "funds.err.ct_no_agency")
		}
	default:
		return r, refuse(fosis.EFORBIDDEN, "funds.err.role_no_read", fosis.Phrase{Key: "role." + string(p.Role), Text: string(p.Role)})
	}
	return r, nil
}

func validDate(name, v string) (time.Time, *fosis.FieldError) {
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		fe := field(name, "funds.err.ct_date", v)
		return t, &fe
	}
	return t, nil
}

func (nc *NewContract) validate() (int64, error) {
	var fes []fosis.FieldError
	if !callRe.MatchString(nc.Code) {
		fes = append(fes, field("code", "funds.err.ct_code", nc.Code))
	}
	if !agencyRe.MatchString(nc.Agency) {
		fes = append(fes, field("agency", "funds.err.ct_agency", nc.Agency))
	}
	if !callRe.MatchString(nc.Call) {
		fes = append(fes, field("call", "funds.err.call", nc.Call))
	}
	if !regionRe.MatchString(nc.Region) {
		fes = append(fes, field("region", "funds.err.region", nc.Region))
	}
	nc.Title = strings.TrimSpace(nc.Title)
	fes = append(fes, normalisePayee(&nc.Payee)...)
	start, fe1 := validDate("starts_on", nc.StartsOn)
	end, fe2 := validDate("ends_on", nc.EndsOn)
	for _, fe := range []*fosis.FieldError{fe1, fe2} {
		if fe != nil {
			fes = append(fes, *fe)
		}
	}
	if fe1 == nil && fe2 == nil && !end.After(start) {
		fes = append(fes, field("ends_on", "funds.err.ct_dates", nc.StartsOn, nc.EndsOn))
	}
	var total int64
	seen := map[string]bool{}
	if len(nc.Territories) == 0 {
		fes = append(fes, field("territories", "funds.err.ct_no_territory"))
	}
	for i, t := range nc.Territories {
		where := "territories[" + strconv.Itoa(i+1) + "]"
		if !territoryRe.MatchString(t.Territory) || seen[t.Territory] {
			fes = append(fes, field(where, "funds.err.ct_territory", t.Territory))
		}
		seen[t.Territory] = true
		if t.Amount <= 0 {
			fes = append(fes, field(where, "funds.err.amount", t.Amount))
		}
		total += t.Amount
	}
	pct := 0
	if len(nc.Schedule) == 0 {
		fes = append(fes, field("schedule", "funds.err.ct_schedule", 0))
	}
	for i, m := range nc.Schedule {
		where := "schedule[" + strconv.Itoa(i+1) + "]"
		ok := false
		for _, c := range Conditions {
			ok = ok || c == m.Condition
		}
		if !ok {
			fes = append(fes, field(where, "funds.err.ct_condition", m.Condition, strings.Join(Conditions, ", ")))
		}
		if m.Percent <= 0 || m.Percent > 100 {
			fes = append(fes, field(where, "funds.err.ct_percent", m.Percent))
		}
		if m.Condition == CondCoverage && m.Target <= 0 {
			fes = append(fes, field(where, "funds.err.ct_target"))
		}
		pct += m.Percent
	}
	if len(nc.Schedule) > 0 && pct != 100 {
		fes = append(fes, field("schedule", "funds.err.ct_schedule", pct))
	}
	if len(fes) > 0 {
		return 0, fieldsError(fes)
	}
	return total, nil
}

// ParseSchedule reads a payment schedule written as
// "30:start,40:midterm_report,30:final_report" (a coverage step as
// "20:coverage:150").
func ParseSchedule(s string) ([]MilestoneSpec, error) {
	var out []MilestoneSpec
	for i, part := range strings.Split(s, ",") {
		f := strings.Split(strings.TrimSpace(part), ":")
		where := "schedule[" + strconv.Itoa(i+1) + "]"
		if len(f) < 2 || len(f) > 3 {
			return nil, invalid(where, "funds.err.ct_schedule_syntax", part)
		}
		pct, err := strconv.Atoi(f[0])
		if err != nil {
			return nil, invalid(where, "funds.err.ct_schedule_syntax", part)
		}
		m := MilestoneSpec{Percent: pct, Condition: f[1]}
		if len(f) == 3 {
			if m.Target, err = strconv.ParseInt(f[2], 10, 64); err != nil {
				return nil, invalid(where, "funds.err.ct_schedule_syntax", part)
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// ParseTerritories reads "13101=30000000,13102=20000000".
func ParseTerritories(s string) ([]TerritoryAmount, error) {
	var out []TerritoryAmount
	for i, part := range strings.Split(s, ",") {
		t, a, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
		if !ok || err != nil {
			return nil, invalid("territories["+strconv.Itoa(i+1)+"]", "funds.err.ct_territory_syntax", part)
		}
		out = append(out, TerritoryAmount{Territory: strings.TrimSpace(t), Amount: n})
	}
	return out, nil
}

// CreateContract records a draft contract, its territories and its
// milestones (amounts: each step's per cent of the total, the last one
// taking the rounding). Its region must be its call's envelope's.
func (s *Store) CreateContract(ctx context.Context, nc NewContract) (Contract, error) {
	p, err := mover(ctx)
	if err != nil {
		return Contract{}, err
	}
	total, err := nc.validate()
	if err != nil {
		return Contract{}, err
	}
	var c Contract
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		_, _, k, err := envelopeOf(ctx, tx, nc.Call)
		if err != nil {
			return err
		}
		if k.Region != nc.Region {
			return invalid("region", "funds.err.ct_region", nc.Region, nc.Call, k.Region)
		}
		d := tx.DB()
		start, _ := time.Parse(time.DateOnly, nc.StartsOn)
		end, _ := time.Parse(time.DateOnly, nc.EndsOn)
		res, err := tx.ExecContext(ctx, `INSERT INTO funds_contracts (code, agency, call_code, region, title, payee_name, payee_tax_id, bank_code,
			account_kind, account_number, starts_on, ends_on, state, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?) ON CONFLICT (code) DO NOTHING`,
			nc.Code, nc.Agency, nc.Call, nc.Region, nc.Title, nc.Payee.Name, nc.Payee.TaxID, nc.Payee.Bank, nc.Payee.AccountKind,
			nc.Payee.Account, d.Date(start), d.Date(end), p.Username, d.Time(tx.Now))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return refuse(fosis.ECONFLICT, "funds.err.ct_exists", nc.Code)
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM funds_contracts WHERE code = ?`, nc.Code).Scan(&id); err != nil {
			return err
		}
		for _, t := range nc.Territories {
			if _, err := tx.ExecContext(ctx, `INSERT INTO funds_contract_territories (contract_id, territory, amount) VALUES (?, ?, ?)`,
				id, t.Territory, t.Amount); err != nil {
				return err
			}
		}
		var given int64
		for i, m := range nc.Schedule {
			amount := total * int64(m.Percent) / 100
			if i == len(nc.Schedule)-1 {
				amount = total - given
			}
			given += amount
			if amount <= 0 {
				return invalid("schedule["+strconv.Itoa(i+1)+"]", "funds.err.amount", amount)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO funds_milestones (contract_id, seq, percent, amount, condition, target, state)
				VALUES (?, ?, ?, ?, ?, ?, 'pending')`, id, i+1, m.Percent, amount, m.Condition, m.Target); err != nil {
				return err
			}
		}
		if c, err = readContract(ctx, tx, contractReach{all: true}, nc.Code); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "funds.contract_create",
			Entity: "funds_contract", EntityID: nc.Code, After: c})
		return err
	})
	return c, err
}

const contractCols = `c.id, c.code, c.agency, c.call_code, c.region, c.title, c.payee_name, c.payee_tax_id, c.bank_code,
	c.account_kind, c.account_number, c.starts_on, c.ends_on, c.state, c.created_by, c.signed_by,
	(SELECT COALESCE(SUM(t.amount), 0) FROM funds_contract_territories t WHERE t.contract_id = c.id),
	(SELECT COALESCE(SUM(m.amount), 0) FROM funds_milestones m WHERE m.contract_id = c.id AND m.state = 'released')`

func scanContract(row interface{ Scan(...any) error }) (Contract, error) {
	var c Contract
	var start, end db.Day
	err := row.Scan(&c.ID, &c.Code, &c.Agency, &c.Call, &c.Region, &c.Title, &c.Payee.Name, &c.Payee.TaxID, &c.Payee.Bank,
		&c.Payee.AccountKind, &c.Payee.Account, &start, &end, &c.State, &c.CreatedBy, &c.SignedBy, &c.Amount, &c.Released)
	c.StartsOn, c.EndsOn = start.Format(time.DateOnly), end.Format(time.DateOnly)
	return c, err
}

// readContract reads a contract in reach r, with its parts; out of reach
// answers as missing.
func readContract(ctx context.Context, q db.Querier, r contractReach, code string) (Contract, error) {
	w, args := r.where()
	c, err := scanContract(q.QueryRowContext(ctx, `SELECT `+contractCols+` FROM funds_contracts c WHERE c.code = ? AND `+w,
		append([]any{code}, args...)...))
	if db.IsNoRows(err) {
		return Contract{}, refuse(fosis.ENOTFOUND, "funds.err.ct_none", code)
	}
	if err != nil {
		return Contract{}, err
	}
	if c.Territories, err = db.Collect(ctx, q, func(rows *sql.Rows) (TerritoryAmount, error) {
		var t TerritoryAmount
		return t, rows.Scan(&t.Territory, &t.Amount)
	}, `SELECT territory, amount FROM funds_contract_territories WHERE contract_id = ? ORDER BY territory`, c.ID); err != nil {
		return c, err
	}
	if c.Milestones, err = db.Collect(ctx, q, scanMilestone, `SELECT `+milestoneCols+` FROM funds_milestones m
		JOIN funds_contracts c ON c.id = m.contract_id WHERE m.contract_id = ? ORDER BY m.seq`, c.ID); err != nil {
		return c, err
	}
	if c.Guarantees, err = db.Collect(ctx, q, scanGuarantee, `SELECT `+guaranteeCols+` FROM funds_guarantees g
		JOIN funds_contracts c ON c.id = g.contract_id WHERE g.contract_id = ? ORDER BY g.expires_on, g.id`, c.ID); err != nil {
		return c, err
	}
	c.Spending, err = db.Collect(ctx, q, func(rows *sql.Rows) (Spending, error) {
		var sp Spending
		return sp, rows.Scan(&sp.Month, &sp.Category, &sp.Amount, &sp.Note, &sp.By)
	}, `SELECT month, category, amount, note, reported_by FROM funds_accountability WHERE contract_id = ? ORDER BY month, category`, c.ID)
	return c, err
}

const milestoneCols = `m.id, c.code, m.seq, m.percent, m.amount, m.condition, m.target, m.state, m.evidence, m.met_by,
	m.requested_by, m.released_by, COALESCE(m.payment_id, 0)`

func scanMilestone(rows *sql.Rows) (Milestone, error) {
	var m Milestone
	return m, rows.Scan(&m.ID, &m.Contract, &m.Seq, &m.Percent, &m.Amount, &m.Condition, &m.Target, &m.State, &m.Evidence,
		&m.MetBy, &m.RequestedBy, &m.ReleasedBy, &m.Payment)
}

const guaranteeCols = `g.id, c.code, c.agency, g.kind, g.number, g.issuer, g.amount, g.expires_on`

func scanGuarantee(rows *sql.Rows) (Guarantee, error) {
	var g Guarantee
	var exp db.Day
	err := rows.Scan(&g.ID, &g.Contract, &g.Agency, &g.Kind, &g.Number, &g.Issuer, &g.Amount, &exp)
	g.ExpiresOn = exp.Format(time.DateOnly)
	return g, err
}

// Contracts lists the contracts in the caller's reach.
func (s *Store) Contracts(ctx context.Context) ([]Contract, error) {
	r, err := s.contractReach(ctx)
	if err != nil {
		return nil, err
	}
	w, args := r.where()
	return db.Collect(ctx, s.db, func(rows *sql.Rows) (Contract, error) { return scanContract(rows) },
		`SELECT `+contractCols+` FROM funds_contracts c WHERE `+w+` ORDER BY c.code LIMIT 500`, args...)
}

// Contract returns one contract in the caller's reach, with its
// territories, milestones, guarantees (alerts as of asOf, within 30 days)
// and accountability.
func (s *Store) Contract(ctx context.Context, code string, asOf time.Time) (Contract, error) {
	r, err := s.contractReach(ctx)
	if err != nil {
		return Contract{}, err
	}
	c, err := readContract(ctx, s.db, r, code)
	for i := range c.Guarantees {
		c.Guarantees[i].Alert = alertOf(c.Guarantees[i].ExpiresOn, asOf, 30)
	}
	return c, err
}

// SignContract signs a draft contract: its amount is reserved and
// committed in its call's envelope (refused, nothing signed, when the
// envelope does not hold it), and start milestones are met.
func (s *Store) SignContract(ctx context.Context, code string) (Contract, error) {
	p, err := mover(ctx)
	if err != nil {
		return Contract{}, err
	}
	var c Contract
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		before, err := readContract(ctx, tx, contractReach{all: true}, code)
		if err != nil {
			return err
		}
		d := tx.DB()
		res, err := tx.ExecContext(ctx, `UPDATE funds_contracts SET state = 'signed', signed_by = ?, signed_at = ? WHERE code = ? AND state = 'draft'`,
			p.Username, d.Time(tx.Now), code)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return refuse(fosis.ECONFLICT, "funds.err.ct_not_draft", code)
		}
		env, bid, k, err := envelopeOf(ctx, tx, before.Call)
		if err != nil {
			return err
		}
		for _, kind := range []Kind{KindReserve, KindCommit} {
			m := Movement{Kind: kind, Budget: k, Call: before.Call, Amount: before.Amount, Ref: "contract:" + code}
			if err := post(ctx, tx, p, &m, bid, env); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE funds_milestones SET state = 'met', met_by = ?, met_at = ?
			WHERE contract_id = ? AND condition = 'start' AND state = 'pending'`, p.Username, d.Time(tx.Now), before.ID); err != nil {
			return err
		}
		if c, err = readContract(ctx, tx, contractReach{all: true}, code); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "funds.contract_sign",
			Entity: "funds_contract", EntityID: code, Before: before, After: c})
		return err
	})
	return c, err
}

// milestoneOf reads a milestone and its contract in reach r.
func milestoneOf(ctx context.Context, q db.Querier, r contractReach, id int64) (Milestone, Contract, error) {
	var code string
	err := q.QueryRowContext(ctx, `SELECT c.code FROM funds_milestones m JOIN funds_contracts c ON c.id = m.contract_id WHERE m.id = ?`, id).Scan(&code)
	if db.IsNoRows(err) {
		return Milestone{}, Contract{}, refuse(fosis.ENOTFOUND, "funds.err.ms_none", id)
	}
	if err != nil {
		return Milestone{}, Contract{}, err
	}
	c, err := readContract(ctx, q, r, code)
	if fosis.ErrorCode(err) == fosis.ENOTFOUND {
		return Milestone{}, Contract{}, refuse(fosis.ENOTFOUND, "funds.err.ms_none", id)
	}
	if err != nil {
		return Milestone{}, Contract{}, err
	}
	for _, m := range c.Milestones {
		if m.ID == id {
			return m, c, nil
		}
	}
	return Milestone{}, Contract{}, refuse(fosis.ENOTFOUND, "funds.err.ms_none", id)
}

// milestoneStep moves a milestone from one state to the next under a
// guarded update; set and args are the columns it writes.
func milestoneStep(ctx context.Context, tx *db.Tx, m Milestone, from, set string, args ...any) error {
	res, err := tx.ExecContext(ctx, `UPDATE funds_milestones SET `+set+` WHERE id = ? AND state = ?`, append(args, m.ID, from)...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return refuse(fosis.ECONFLICT, "funds.err.ms_state", m.ID, fosis.Phrase{Key: "funds.msstate." + from, Text: from})
	}
	return nil
}

// AcceptCondition records that a milestone's condition holds: the report
// accepted (evidence: which report, which act) or the coverage reached
// (coverage at least the target). Finance officers, administrators,
// national analysts and the contract region's officer accept; agency
// staff cannot accept their own reports.
func (s *Store) AcceptCondition(ctx context.Context, id int64, evidence string, coverage int64) (Milestone, error) {
	r, err := s.contractReach(ctx)
	if err != nil {
		return Milestone{}, err
	}
	switch r.p.Role {
	case auth.RoleAdmin, auth.RoleFinance, auth.RoleAnalyst, auth.RoleRegional:
	default:
		return Milestone{}, refuse(fosis.EFORBIDDEN, "funds.err.ms_accept_role", fosis.Phrase{Key: "role." + string(r.p.Role), Text: string(r.p.Role)})
	}
	evidence = strings.TrimSpace(evidence)
	var out Milestone
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		m, c, err := milestoneOf(ctx, tx, r, id)
		if err != nil {
			return err
		}
		if c.State != "signed" {
			return refuse(fosis.ECONFLICT, "funds.err.ct_not_signed", c.Code)
		}
		if m.Condition == CondCoverage {
			if coverage < m.Target {
				return invalid("coverage", "funds.err.ms_coverage", coverage, m.Target)
			}
			// Language-neutral: the coverage reached against the target.
			evidence = strings.TrimSpace(strconv.FormatInt(coverage, 10) + " ≥ " + strconv.FormatInt(m.Target, 10) + " " + evidence)
		} else if evidence == "" || len(evidence) > 300 {
			return invalid("evidence", "funds.err.ms_evidence")
		}
		if err := milestoneStep(ctx, tx, m, MilestonePending, `state = 'met', evidence = ?, met_by = ?, met_at = ?`,
			evidence, r.p.Username, tx.DB().Time(tx.Now)); err != nil {
			return err
		}
		out, _, err = milestoneOf(ctx, tx, contractReach{all: true}, id)
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: r.p.Username, ActorRole: string(r.p.Role), Action: "funds.milestone_accept",
			Entity: "funds_milestone", EntityID: strconv.FormatInt(id, 10), Before: m, After: out})
		return err
	})
	return out, err
}

// RequestRelease is the maker's step: a met milestone is put forward for
// release.
func (s *Store) RequestRelease(ctx context.Context, id int64) (Milestone, error) {
	p, err := mover(ctx)
	if err != nil {
		return Milestone{}, err
	}
	var out Milestone
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		m, _, err := milestoneOf(ctx, tx, contractReach{all: true}, id)
		if err != nil {
			return err
		}
		if m.State == MilestonePending {
			return refuse(fosis.ECONFLICT, "funds.err.ms_condition", id, fosis.Phrase{Key: "funds.cond." + m.Condition, Text: m.Condition})
		}
		if err := milestoneStep(ctx, tx, m, MilestoneMet, `state = 'requested', requested_by = ?, requested_at = ?`, p.Username, tx.DB().Time(tx.Now)); err != nil {
			return err
		}
		out, _, err = milestoneOf(ctx, tx, contractReach{all: true}, id)
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "funds.milestone_request",
			Entity: "funds_milestone", EntityID: strconv.FormatInt(id, 10), Before: m, After: out})
		return err
	})
	return out, err
}

// ApproveRelease is the checker's step: refused to whoever requested the
// release; a requested milestone is released and becomes a ready payment
// to the contract's payee (idempotency key milestone:<id>).
func (s *Store) ApproveRelease(ctx context.Context, id int64) (Milestone, error) {
	p, err := mover(ctx)
	if err != nil {
		return Milestone{}, err
	}
	var out Milestone
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		if tx.DB().Engine == db.Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT id FROM funds_milestones WHERE id = ? FOR UPDATE`, id); err != nil {
				return err
			}
		}
		m, c, err := milestoneOf(ctx, tx, contractReach{all: true}, id)
		if err != nil {
			return err
		}
		if m.RequestedBy == p.Username {
			return refuse(fosis.EFORBIDDEN, "funds.err.ms_maker_checker", id)
		}
		if err := milestoneStep(ctx, tx, m, MilestoneRequested, `state = 'released', released_by = ?, released_at = ?`, p.Username, tx.DB().Time(tx.Now)); err != nil {
			return err
		}
		pm, created, err := createPayment(ctx, tx, p, NewPayment{Key: "milestone:" + strconv.FormatInt(id, 10), Call: c.Call, Purpose: PurposeMilestone,
			Ref: "contract:" + c.Code + "/" + strconv.Itoa(m.Seq), Payee: c.Payee, Amount: m.Amount}, 0)
		if err != nil {
			return err
		}
		if !created {
			return refuse(fosis.ECONFLICT, "funds.err.pay_key_used", pm.Key, pm.ID)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE funds_milestones SET payment_id = ? WHERE id = ? AND state = 'released'`, pm.ID, id); err != nil {
			return err
		}
		out, _, err = milestoneOf(ctx, tx, contractReach{all: true}, id)
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "funds.milestone_release",
			Entity: "funds_milestone", EntityID: strconv.FormatInt(id, 10), Before: m, After: out})
		return err
	})
	return out, err
}

// AddGuarantee records a guarantee the agency lodged for a contract.
func (s *Store) AddGuarantee(ctx context.Context, code string, g Guarantee) (Guarantee, error) {
	p, err := mover(ctx)
	if err != nil {
		return Guarantee{}, err
	}
	var fes []fosis.FieldError
	ok := false
	for _, k := range GuaranteeKinds {
		ok = ok || k == g.Kind
	}
	if !ok {
		fes = append(fes, field("kind", "funds.err.gu_kind", g.Kind, strings.Join(GuaranteeKinds, ", ")))
	}
	g.Number, g.Issuer = strings.TrimSpace(g.Number), strings.TrimSpace(g.Issuer)
	if !docNumberRe.MatchString(g.Number) {
		fes = append(fes, field("number", "funds.err.gu_number", g.Number))
	}
	if g.Issuer == "" || len(g.Issuer) > 120 {
		fes = append(fes, field("issuer", "funds.err.gu_issuer"))
	}
	if g.Amount <= 0 {
		fes = append(fes, field("amount", "funds.err.amount", g.Amount))
	}
	exp, fe := validDate("expires_on", g.ExpiresOn)
	if fe != nil {
		fes = append(fes, *fe)
	}
	if len(fes) > 0 {
		return Guarantee{}, fieldsError(fes)
	}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		c, err := readContract(ctx, tx, contractReach{all: true}, code)
		if err != nil {
			return err
		}
		g.Contract, g.Agency = c.Code, c.Agency
		d := tx.DB()
		g.ID, err = tx.InsertID(ctx, `INSERT INTO funds_guarantees (contract_id, kind, number, issuer, amount, expires_on, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, g.Kind, g.Number, g.Issuer, g.Amount, d.Date(exp), p.Username, d.Time(tx.Now))
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "funds.guarantee_add",
			Entity: "funds_contract", EntityID: code, After: g})
		return err
	})
	return g, err
}

// alertOf says whether a guarantee expiring on exp is expired or expiring
// within days of asOf.
func alertOf(exp string, asOf time.Time, days int) string {
	t, err := time.Parse(time.DateOnly, exp)
	if err != nil {
		return ""
	}
	today := time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC)
	switch {
	case t.Before(today):
		return "expired"
	case !t.After(today.AddDate(0, 0, days)):
		return "expiring"
	}
	return ""
}

// GuaranteeAlerts lists the guarantees in the caller's reach that expired
// or expire within days of asOf, soonest first.
func (s *Store) GuaranteeAlerts(ctx context.Context, asOf time.Time, days int) ([]Guarantee, error) {
	r, err := s.contractReach(ctx)
	if err != nil {
		return nil, err
	}
	w, args := r.where()
	d := s.db
	gs, err := db.Collect(ctx, d, scanGuarantee, `SELECT `+guaranteeCols+` FROM funds_guarantees g JOIN funds_contracts c ON c.id = g.contract_id
		WHERE g.expires_on <= ? AND `+w+` ORDER BY g.expires_on, g.id LIMIT 500`, append([]any{d.Date(asOf.AddDate(0, 0, days))}, args...)...)
	for i := range gs {
		gs[i].Alert = alertOf(gs[i].ExpiresOn, asOf, days)
	}
	return gs, err
}

// ReportSpending records an agency's accountability for one month: what it
// spent on each category. Agency staff report their own contracts (finance
// officers and administrators may record it for them); a month's category
// is reported once (all-or-nothing: a category already reported refuses the
// whole report).
func (s *Store) ReportSpending(ctx context.Context, code, month string, lines map[string]int64, note string) ([]Spending, error) {
	r, err := s.contractReach(ctx)
	if err != nil {
		return nil, err
	}
	switch r.p.Role {
	case auth.RoleAgency, auth.RoleFinance, auth.RoleAdmin:
	default:
		return nil, refuse(fosis.EFORBIDDEN, "funds.err.sp_role", fosis.Phrase{Key: "role." + string(r.p.Role), Text: string(r.p.Role)})
	}
	var fes []fosis.FieldError
	if !monthRe.MatchString(month) {
		fes = append(fes, field("month", "funds.err.sp_month", month))
	}
	cats := make([]string, 0, len(lines))
	for c, a := range lines {
		ok := false
		for _, k := range SpendCategories {
			ok = ok || k == c
		}
		if !ok {
			fes = append(fes, field(c, "funds.err.sp_category", c, strings.Join(SpendCategories, ", ")))
		}
		if a < 0 {
			fes = append(fes, field(c, "funds.err.sp_amount", c, a))
		}
		cats = append(cats, c)
	}
	if len(lines) == 0 {
		fes = append(fes, field("lines", "funds.err.sp_empty"))
	}
	if len(fes) > 0 {
		return nil, fieldsError(fes)
	}
	sort.Strings(cats)
	var out []Spending
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		c, err := readContract(ctx, tx, r, code)
		if err != nil {
			return err
		}
		if c.State != "signed" {
			return refuse(fosis.ECONFLICT, "funds.err.ct_not_signed", code)
		}
		d := tx.DB()
		for _, cat := range cats {
			res, err := tx.ExecContext(ctx, `INSERT INTO funds_accountability (contract_id, month, category, amount, note, reported_by, reported_at)
				VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (contract_id, month, category) DO NOTHING`, c.ID, month, cat, lines[cat], note, r.p.Username, d.Time(tx.Now))
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				return refuse(fosis.ECONFLICT, "funds.err.sp_reported", code, month, fosis.Phrase{Key: "funds.spend." + cat, Text: cat})
			}
			out = append(out, Spending{Month: month, Category: cat, Amount: lines[cat], Note: note, By: r.p.Username})
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: r.p.Username, ActorRole: string(r.p.Role), Action: "funds.accountability_report",
			Entity: "funds_contract", EntityID: code, After: out})
		return err
	})
	return out, err
}
