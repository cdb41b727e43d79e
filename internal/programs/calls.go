package programs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// Call statuses, in lifecycle order.
const (
	StatusDraft     = "draft"
	StatusOpen      = "open"
	StatusClosed    = "closed"
	StatusSelected  = "selected"
	StatusPublished = "published"
)

// CallSpec is what a call decides beyond its dates and quotas: eligibility
// rules, cross-program rules, priority groups and reserved shares. It is
// frozen once the call opens.
type CallSpec struct {
	// Rules are the eligibility rules; empty means the programme's own.
	Rules []Rule `json:"rules"`
	// CooldownMonths: not a participant of this line in the last N months
	// (0: no cool-down).
	CooldownMonths int `json:"cooldown_months"`
	// Incompatible lists lines the applicant must not be participating in now.
	Incompatible []string `json:"incompatible"`
	// Priorities are priority groups (disability, head of household,
	// indigenous…): an applicant in more groups ranks higher within a bracket.
	Priorities []Rule `json:"priorities"`
	// Reserved are reserved shares of every commune quota for a group.
	Reserved []ReservedShare `json:"reserved"`
}

// ReservedShare reserves Share of each commune quota for applicants for
// whom the rule is true.
type ReservedShare struct {
	Rule
	Share float64 `json:"share"`
}

// CallInput is a call as its author writes it (the file of 'fosis calls
// create', the API's body).
type CallInput struct {
	Code      string         `json:"code"`
	Title     string         `json:"title"`
	Program   string         `json:"program"`
	OpensOn   string         `json:"opens_on"`
	ClosesOn  string         `json:"closes_on"`
	Run       int64          `json:"run"`
	BudgetCLP int64          `json:"budget_clp"`
	Communes  map[string]int `json:"communes"`
	Regions   map[string]int `json:"regions"`
	Spec      CallSpec       `json:"spec"`
}

// Call is a stored call for applications.
type Call struct {
	ID             int64          `json:"id"`
	Code           string         `json:"code"`
	Title          string         `json:"title"`
	Program        string         `json:"program"`
	ProgramVersion int            `json:"program_version"`
	ProgramNameES  string         `json:"program_name_es"`
	ProgramNameEN  string         `json:"program_name_en"`
	Unit           string         `json:"unit"`
	AmountCLP      int64          `json:"amount_clp"`
	Status         string         `json:"status"`
	OpensOn        string         `json:"opens_on"`
	ClosesOn       string         `json:"closes_on"`
	Run            int64          `json:"run"`
	BudgetCLP      int64          `json:"budget_clp"`
	CommittedCLP   int64          `json:"committed_clp"`
	Communes       map[string]int `json:"communes"`
	Regions        map[string]int `json:"regions"`
	Spec           CallSpec       `json:"spec"`
	Places         int            `json:"places"`
	// LotterySeed is the public lottery's seed, drawn when the call closes
	// (empty before): docs/selection.md.
	LotterySeed string `json:"lottery_seed,omitempty"`
	// Invitation: the call's line takes no applications; the selection
	// invites the best-ranked eligible households (Spec.Invitation).
	Invitation bool `json:"invitation,omitempty"`

	line  int64
	rules *compiledCall
}

// compiledCall is a call's spec checked and ready to evaluate.
type compiledCall struct {
	rules, priorities, reserved *RuleSet
	shares                      []float64
}

// Covers reports whether the call takes applicants of commune (of region):
// a commune with a quota, or any commune of a region with a regional quota
// (whose applicants without a commune quota compete for the region's pool:
// docs/selection.md, "Quotas and the flow-over policy").
func (c *Call) Covers(commune, region string) bool {
	if _, ok := c.Communes[commune]; ok {
		return true
	}
	_, ok := c.Regions[region]
	return ok
}

// Quotas returns the call's quotas for the selection.
func (c *Call) Quotas() Quotas {
	return Quotas{Communes: c.Communes, Regions: c.Regions, Shares: c.rules.shares}
}

// EffectiveRules returns the rules applicants are checked against: the
// call's (or the programme's) plus the generated cross-program rules.
func (c *Call) EffectiveRules() []Rule {
	if c.rules == nil { // a Call not read from the store
		return c.Spec.Rules
	}
	return c.rules.rules.Rules()
}

// compileSpec checks spec and generates the cross-program rules. line is
// the call's programme line code, defaults its programme's rules.
func compileSpec(spec CallSpec, line string, defaults []Rule) (*compiledCall, error) {
	rules := spec.Rules
	if len(rules) == 0 {
		rules = defaults
	}
	rules = append([]Rule(nil), rules...)
	var bad []fosis.FieldError
	if spec.CooldownMonths < 0 {
		bad = append(bad, problem("spec.cooldown_months", "programs.err.zero_or_more"))
	}
	if spec.CooldownMonths > 0 {
		rules = append(rules, Rule{ID: "cooldown",
			NameES: fmt.Sprintf("No haber participado en esta línea en los últimos %d meses", spec.CooldownMonths),
			NameEN: fmt.Sprintf("Not a participant of this line in the last %d months", spec.CooldownMonths),
			Expr:   fmt.Sprintf("!(%q in participations) || participations[%q] >= %d", line, line, spec.CooldownMonths)})
	}
	for _, x := range spec.Incompatible {
		if !validCode(x) {
			bad = append(bad, problem("spec.incompatible", "programs.err.incompatible_code", x))
			continue
		}
		rules = append(rules, Rule{ID: "incompatible-" + x,
			NameES: fmt.Sprintf("No estar participando en %s", x), NameEN: fmt.Sprintf("Not participating in %s now", x),
			Expr: fmt.Sprintf("!(%q in participations) || participations[%q] > 0", x, x)})
	}
	fields := func(err error) {
		var e *fosis.Error
		if errors.As(err, &e) {
			bad = append(bad, e.Fields...)
		}
	}
	c := &compiledCall{}
	var err error
	if c.rules, err = CompileRules(rules, "spec.rules"); err != nil {
		fields(err)
	}
	if c.priorities, err = CompileRules(spec.Priorities, "spec.priorities"); err != nil {
		fields(err)
	}
	res := make([]Rule, len(spec.Reserved))
	for i, r := range spec.Reserved {
		res[i] = r.Rule
		c.shares = append(c.shares, r.Share)
	}
	if c.reserved, err = CompileRules(res, "spec.reserved"); err != nil {
		fields(err)
	}
	if len(spec.Priorities) > 32 || len(spec.Reserved) > 32 {
		bad = append(bad, problem("spec.priorities", "programs.err.too_many_groups"))
	}
	if len(bad) > 0 {
		return nil, firstOf("programs.err.invalid_spec", bad)
	}
	return c, nil
}

// CheckCall checks a new call as CreateCall does, writing nothing: every
// problem at once (the new-call page asks it when its own checks fail, so
// that its author sees all of them in one go).
func (s *Store) CheckCall(ctx context.Context, in CallInput) error {
	if _, err := s.manager(ctx); err != nil {
		return err
	}
	_, err := s.checkCall(ctx, in)
	return err
}

// checkCall checks every field of a new call and reports every problem
// at once (one FieldError each, in the order of the form), so that its
// author fixes them in one go. It returns the call's programme.
func (s *Store) checkCall(ctx context.Context, in CallInput) (*Program, error) {
	var bad []fosis.FieldError
	add := func(name, key string, args ...any) { bad = append(bad, problem(name, key, args...)) }
	addErr := func(name string, err error) {
		var e *fosis.Error
		switch {
		case errors.As(err, &e) && len(e.Fields) > 0:
			bad = append(bad, e.Fields...)
		case errors.As(err, &e):
			bad = append(bad, fosis.FieldError{Field: name, Message: e.Message, Key: e.Key, Args: e.Args})
		}
	}
	if !validCode(in.Code) {
		add("code", "programs.err.call_code", in.Code)
	}
	if strings.TrimSpace(in.Title) == "" {
		add("title", "programs.err.call_title")
	}
	prog, err := s.program(ctx, s.db, in.Program, 0)
	switch {
	case fosis.ErrorCode(err) == fosis.ENOTFOUND:
		add("program", "programs.err.call_programme", in.Program)
	case err != nil:
		return nil, err
	}
	opens, err1 := time.Parse(time.DateOnly, in.OpensOn)
	closes, err2 := time.Parse(time.DateOnly, in.ClosesOn)
	if err1 != nil {
		add("opens_on", "programs.err.call_date", in.OpensOn)
	}
	if err2 != nil {
		add("closes_on", "programs.err.call_date", in.ClosesOn)
	}
	if err1 == nil && err2 == nil && closes.Before(opens) {
		add("closes_on", "programs.err.closes_before_opens", in.ClosesOn, in.OpensOn)
	}
	if _, err := s.tgt.Run(ctx, strconv.FormatInt(in.Run, 10)); err != nil {
		if c := fosis.ErrorCode(err); c != fosis.ENOTFOUND && c != fosis.EINVALID {
			return nil, err
		}
		add("run", "programs.err.no_run", in.Run)
	}
	if in.BudgetCLP < 0 {
		add("budget_clp", "programs.err.budget_negative")
	}
	quotasOK := true
	if len(in.Communes) == 0 && len(in.Regions) == 0 {
		add("communes", "programs.err.no_communes")
		quotasOK = false
	}
	for _, c := range sortedKeys(in.Communes) {
		if _, ok := s.terr.CommuneIndex(c); !ok {
			add("communes", "programs.err.not_commune", c)
			quotasOK = false
		} else if in.Communes[c] < 0 {
			add("communes", "programs.err.commune_quota", c)
			quotasOK = false
		}
	}
	for _, r := range sortedKeys(in.Regions) {
		if _, ok := s.terr.RegionIndex(r); !ok {
			add("regions", "programs.err.not_region", r)
			quotasOK = false
		} else if in.Regions[r] < 0 {
			add("regions", "programs.err.region_quota", r)
			quotasOK = false
		}
	}
	line, defaults := in.Program, []Rule(nil)
	if prog != nil {
		line, defaults = prog.Code, prog.Spec.Rules
	}
	cc, err := compileSpec(in.Spec, line, defaults)
	if err != nil {
		addErr("spec", err)
	}
	if cc != nil && quotasOK {
		q := Quotas{Communes: in.Communes, Regions: in.Regions, Shares: cc.shares}
		if err := q.Validate(s.regionOf); err != nil {
			field := "regions"
			var e *fosis.Error
			if errors.As(err, &e) && (e.Key == "programs.err.share_range" || e.Key == "programs.err.shares_total") {
				field = "spec.reserved"
			}
			addErr(field, invalidAs(field, err))
		} else if places := q.Places(s.regionOf); prog != nil && in.BudgetCLP >= 0 {
			if need := int64(places) * prog.AmountCLP; need > in.BudgetCLP {
				add("budget_clp", "programs.err.over_budget", places, fosis.Pesos(prog.AmountCLP), fosis.Pesos(need), fosis.Pesos(in.BudgetCLP))
			}
		}
	}
	if len(bad) > 0 {
		return nil, firstOf("programs.err.invalid_call", bad)
	}
	return prog, nil
}

// sortedKeys returns m's keys in order, so that problems are listed the
// same way every time.
func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Mask returns bit k set for every rule k of rs that a passes.
func (rs *RuleSet) Mask(a *Attrs) uint32 {
	var m uint32
	for k := range rs.rules {
		if ok, _ := rs.rules[k].eval(a); ok {
			m |= 1 << k
		}
	}
	return m
}

// CreateCall stores a new call in draft. Everything is checked before
// anything is written: rules, dates, communes, the scoring run, quotas and
// that the places fit the budget envelope.
func (s *Store) CreateCall(ctx context.Context, in CallInput) (*Call, error) {
	if _, err := s.manager(ctx); err != nil {
		return nil, err
	}
	prog, err := s.checkCall(ctx, in)
	if err != nil {
		return nil, err
	}
	opens, _ := time.Parse(time.DateOnly, in.OpensOn)
	closes, _ := time.Parse(time.DateOnly, in.ClosesOn)
	if len(in.Spec.Rules) == 0 {
		in.Spec.Rules = prog.Spec.Rules
	}
	spec, err := json.Marshal(in.Spec)
	if err != nil {
		return nil, err
	}
	var id int64
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		d := tx.DB()
		id, err = tx.InsertID(ctx, `INSERT INTO calls (code, program_version, title, status, opens_on, closes_on, score_run, spec, budget_clp, created_at, created_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, in.Code, prog.VersionID, in.Title, StatusDraft, d.Date(opens), d.Date(closes), in.Run,
			string(spec), in.BudgetCLP, d.Time(tx.Now), principalName(ctx), d.Time(tx.Now))
		if fosis.ErrorCode(err) == fosis.ECONFLICT {
			return refuse(fosis.ECONFLICT, "programs.err.call_exists", in.Code)
		}
		if err != nil {
			return err
		}
		for c, n := range in.Communes {
			if _, err := tx.ExecContext(ctx, `INSERT INTO call_communes (call, commune_code, quota) VALUES (?, ?, ?)`, id, c, n); err != nil {
				return err
			}
		}
		for r, n := range in.Regions {
			if _, err := tx.ExecContext(ctx, `INSERT INTO call_regions (call, region_code, quota) VALUES (?, ?, ?)`, id, r, n); err != nil {
				return err
			}
		}
		return record(ctx, tx, "call.create", "call", in.Code, nil, in)
	})
	if err != nil {
		return nil, err
	}
	return s.call(ctx, s.db, in.Code)
}

const callSelect = `SELECT c.id, c.code, c.title, l.code, v.version, v.name_es, v.name_en, l.unit, v.amount_clp, c.status,
	c.opens_on, c.closes_on, c.score_run, c.budget_clp, c.committed_clp, c.spec, l.id, c.lottery_seed, v.spec
	FROM calls c JOIN program_versions v ON v.id = c.program_version JOIN program_lines l ON l.id = v.line`

// call reads a call by code (or by decimal id) with its quotas, compiled.
func (s *Store) call(ctx context.Context, q db.Querier, ref string) (*Call, error) {
	var c Call
	var opens, closes db.Day
	var spec, vspec string
	where, arg := ` WHERE c.code = ?`, any(ref)
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		where, arg = ` WHERE c.id = ?`, id
	}
	err := q.QueryRowContext(ctx, callSelect+where, arg).Scan(&c.ID, &c.Code, &c.Title, &c.Program, &c.ProgramVersion, &c.ProgramNameES, &c.ProgramNameEN,
		&c.Unit, &c.AmountCLP, &c.Status, &opens, &closes, &c.Run, &c.BudgetCLP, &c.CommittedCLP, &spec, &c.line, &c.LotterySeed, &vspec)
	if err == sql.ErrNoRows {
		return nil, refuse(fosis.ENOTFOUND, "programs.err.no_call", ref)
	}
	if err != nil {
		return nil, err
	}
	c.OpensOn, c.ClosesOn = opens.Format(time.DateOnly), closes.Format(time.DateOnly)
	if err := json.Unmarshal([]byte(spec), &c.Spec); err != nil {
		return nil, fmt.Errorf("call %s: %w", c.Code, err)
	}
	var ps Spec
	if err := json.Unmarshal([]byte(vspec), &ps); err != nil {
		return nil, fmt.Errorf("call %s: programme version: %w", c.Code, err)
	}
	c.Invitation = ps.Invitation
	if c.rules, err = compileSpec(c.Spec, c.Program, nil); err != nil {
		return nil, fmt.Errorf("call %s: stored rules: %w", c.Code, err)
	}
	c.Communes, c.Regions = map[string]int{}, map[string]int{}
	for _, quotas := range []struct {
		into map[string]int
		q    string
	}{
		{c.Communes, `SELECT commune_code, quota FROM call_communes WHERE call = ?`},
		{c.Regions, `SELECT region_code, quota FROM call_regions WHERE call = ?`},
	} {
		err := db.Each(ctx, q, func(rows *sql.Rows) error {
			var code string
			var n int
			if err := rows.Scan(&code, &n); err != nil {
				return err
			}
			quotas.into[code] = n
			return nil
		}, quotas.q, c.ID)
		if err != nil {
			return nil, err
		}
	}
	c.Places = c.Quotas().Places(s.regionOf)
	return &c, nil
}

// lockedCall reads call ref in tx for a change of the call or of its
// applications, after taking the call's row lock on PostgreSQL (FOR NO KEY
// UPDATE: it does not block inserts of applications that only reference
// it). Every transition of a call, of its applications and of its
// enrolments takes it first, so they run one after another per call and
// each sees what the one before committed; on SQLite the one writer
// connection (BEGIN IMMEDIATE) already runs write transactions one after
// another. The state is still checked again by a compare-and-set in the
// UPDATE itself (guarded).
func (s *Store) lockedCall(ctx context.Context, tx *db.Tx, ref string) (*Call, error) {
	return s.callLocked(ctx, tx, ref, "FOR NO KEY UPDATE")
}

// sharedCall reads call ref in tx holding a share lock on PostgreSQL: many
// applications may go in at once, but the call cannot close meanwhile.
func (s *Store) sharedCall(ctx context.Context, tx *db.Tx, ref string) (*Call, error) {
	return s.callLocked(ctx, tx, ref, "FOR SHARE")
}

func (s *Store) callLocked(ctx context.Context, tx *db.Tx, ref, lock string) (*Call, error) {
	if tx.DB().Engine == db.Postgres {
		where, arg := `code = ?`, any(ref)
		if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
			where, arg = `id = ?`, id
		}
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM calls WHERE `+where+` `+lock, arg).Scan(&id)
		if err == sql.ErrNoRows {
			return nil, refuse(fosis.ENOTFOUND, "programs.err.no_call", ref)
		}
		if err != nil {
			return nil, err
		}
	}
	return s.call(ctx, tx, ref)
}

// seesCall reports whether v may see call c: national staff all, a
// regional officer calls covering a commune of the region, agency staff
// calls of a line they hold a contract for in one of its communes.
func (s *Store) seesCall(v *viewer, c *Call) bool {
	if v.national {
		return true
	}
	for code := range c.Communes {
		r, _ := s.regionOf(code)
		if v.seesApplicant(c.line, code, r) {
			return true
		}
	}
	// A region with a regional quota takes applicants of all its communes.
	for _, cm := range s.terr.Communes {
		if _, ok := c.Regions[cm.RegionCode]; ok && v.seesApplicant(c.line, cm.Code, cm.RegionCode) {
			return true
		}
	}
	return false
}

// Call returns a call by code or id, if the caller may see it.
func (s *Store) Call(ctx context.Context, ref string) (*Call, error) {
	v, err := s.who(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.call(ctx, s.db, ref)
	if err != nil {
		return nil, err
	}
	if !s.seesCall(v, c) {
		return nil, refuse(fosis.ENOTFOUND, "programs.err.no_call", ref)
	}
	return c, nil
}

// Calls lists the calls the caller may see, newest first.
func (s *Store) Calls(ctx context.Context) ([]Call, error) {
	v, err := s.who(ctx)
	if err != nil {
		return nil, err
	}
	codes, err := db.Collect(ctx, s.db, db.Column[string], `SELECT code FROM calls ORDER BY id DESC`)
	if err != nil {
		return nil, err
	}
	out := []Call{}
	for _, code := range codes {
		c, err := s.call(ctx, s.db, code)
		if err != nil {
			return nil, err
		}
		if s.seesCall(v, c) {
			out = append(out, *c)
		}
	}
	return out, nil
}

// transitions are the lifecycle moves made by SetStatus (selection moves a
// call from closed to selected).
var transitions = map[string]string{StatusOpen: StatusDraft, StatusClosed: StatusOpen, StatusPublished: StatusSelected}

// SetStatus moves a call to status: open (from draft), closed (from open)
// or published (from selected).
func (s *Store) SetStatus(ctx context.Context, ref, status string) (*Call, error) {
	if _, err := s.manager(ctx); err != nil {
		return nil, err
	}
	from, ok := transitions[status]
	if !ok {
		keys := make([]string, 0, len(transitions))
		for k := range transitions {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return nil, invalid("status", "programs.err.not_a_status", status, keys)
	}
	var out *Call
	err := s.db.Transact(ctx, func(tx *db.Tx) error {
		c, err := s.lockedCall(ctx, tx, ref)
		if err != nil {
			return err
		}
		if c.Status != from {
			return refuse(fosis.ECONFLICT, "programs.err.status_move", c.Code, statusTerm(c.Status), statusTerm(from), statusTerm(status))
		}
		if err := moveCall(ctx, tx, c, from, status); err != nil {
			return err
		}
		after := map[string]string{"status": status}
		if status == StatusClosed {
			if err := drawSeed(ctx, tx, c); err != nil {
				return err
			}
			after["lottery_seed"] = c.LotterySeed
		}
		before := c.Status
		c.Status = status
		out = c
		return record(ctx, tx, "call."+status, "call", c.Code, map[string]string{"status": before}, after)
	})
	return out, err
}

// moveCall sets call c's status from from to to, guarded: the UPDATE
// matches only a call still in from, and a call that moved meanwhile is a
// conflict.
func moveCall(ctx context.Context, tx *db.Tx, c *Call, from, to string) error {
	res, err := tx.ExecContext(ctx, `UPDATE calls SET status = ?, updated_at = ? WHERE id = ? AND status = ?`, to, tx.DB().Time(tx.Now), c.ID, from)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return refuse(fosis.ECONFLICT, "programs.err.call_changed", c.Code)
	}
	return nil
}

// drawSeed draws call c's lottery seed (32 random bytes, in hex) when it
// has none, and stores it: from then on it is public (the call's page, the
// API, the audit entry of the close) and fixed (the UPDATE only fills an
// empty seed).
func drawSeed(ctx context.Context, tx *db.Tx, c *Call) error {
	if c.LotterySeed != "" {
		return nil
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	seed := hex.EncodeToString(b[:])
	res, err := tx.ExecContext(ctx, `UPDATE calls SET lottery_seed = ? WHERE id = ? AND lottery_seed = ''`, seed, c.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return refuse(fosis.ECONFLICT, "programs.err.call_changed", c.Code)
	}
	c.LotterySeed = seed
	return nil
}
