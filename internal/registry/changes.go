package registry

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
)

// Change requests are how a household's record changes between imports,
// after the three household-initiated processes of Chile's Registro Social
// de Hogares:
//
//   - update (actualización): a change of circumstances — the dwelling, the
//     domicile (commune), incomes, employment, schooling, health, a member
//     joining or leaving;
//   - rectify (rectificación): a recorded value that was wrong — any field,
//     including birth date, sex and registration date — with the evidence
//     that shows the correct value (required);
//   - complement (complemento): information the record lacks — a member who
//     was never recorded, or supplementary attributes (health plan,
//     disability, dependency, indigenous identity).
//
// One user submits (the maker) and another decides (the checker): approval
// applies the change in the same transaction, after checking again against
// the household as it is now — each change carries the value it replaces,
// and a household that changed underneath since submission is a conflict.
//
// Who may do what (enforced here, below every handler):
//   - submit, approve, reject: administrators and national analysts for any
//     household; regional officers for households currently in their region
//     (and they cannot move a household to another region). Auditors and
//     financers never; other roles do not see the registry at all.
//   - the checker must be another user than the maker; only the maker may
//     withdraw a submitted request.
//   - anyone who sees the household sees its requests; sensitive values
//     (health plan, disability, dependency, indigenous identity, pregnancy)
//     are shown only to roles that see sensitive data.
//
// A request outside the caller's territory is not found, exactly like one
// that does not exist. Every transition is written to the audit trail with
// the values before and after (sensitive values masked).

// Kinds of change request.
const (
	KindUpdate     = "update"
	KindRectify    = "rectify"
	KindComplement = "complement"
)

// ChangeKinds lists the kinds, in the order forms show them.
var ChangeKinds = []string{KindUpdate, KindRectify, KindComplement}

// States of a change request.
const (
	StateSubmitted = "submitted"
	StateApproved  = "approved"
	StateRejected  = "rejected"
	StateWithdrawn = "withdrawn"
)

// ChangeStates lists the states.
var ChangeStates = []string{StateSubmitted, StateApproved, StateRejected, StateWithdrawn}

// kindAllows says which household and member fields each kind may change,
// and whether it may add or remove members.
var kindAllows = map[string]struct {
	household   map[string]bool
	member      map[string]bool
	add, remove bool
}{
	KindUpdate: {
		household: set("commune_code", "zone", "tenure", "rooms", "floor", "walls", "roof", "water", "sanitation",
			"vehicle_value_clp", "property_value_clp", "school_fees_clp"),
		member: set("relation", "schooling_years", "in_school", "employed", "labor_income_clp", "pension_income_clp",
			"capital_income_clp", "health_plan", "disability", "dependency", "pregnant"),
		add: true, remove: true,
	},
	KindRectify: {household: set(HouseholdFields...), member: set(MemberFields...)}, // names too: a misspelt name is rectified
	KindComplement: {
		member: set("health_plan", "disability", "dependency", "indigenous"),
		add:    true,
	},
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// FieldChange is one household field's new value and the value it replaces
// (From is filled in at submission).
type FieldChange struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// MemberChange is one member field's new value.
type MemberChange struct {
	RUN   string `json:"run"`
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// MemberValues is a new member's values by persons.csv column name (run,
// relation, sex, birth_date, schooling_years, in_school, employed,
// labor_income_clp, pension_income_clp, capital_income_clp, health_plan,
// disability, dependency, indigenous, pregnant).
type MemberValues map[string]string

// ChangeSet is what a request changes.
type ChangeSet struct {
	Household []FieldChange  `json:"household"`
	Members   []MemberChange `json:"members"`
	Add       []MemberValues `json:"add"`
	Remove    []string       `json:"remove"` // RUNs
}

// ChangeInput is a request as submitted (From values are ignored).
type ChangeInput struct {
	Kind     string    `json:"kind"`
	Reason   string    `json:"reason"`
	Evidence string    `json:"evidence"`
	Changes  ChangeSet `json:"changes"`
}

// ChangeRequest is a stored request.
type ChangeRequest struct {
	ID          int64      `json:"id"`
	HouseholdID string     `json:"household_id"`
	Kind        string     `json:"kind"`
	State       string     `json:"state"`
	Changes     ChangeSet  `json:"changes"`
	Reason      string     `json:"reason"`
	Evidence    string     `json:"evidence"`
	Maker       string     `json:"maker"`
	MakerRole   string     `json:"maker_role"`
	SubmittedAt time.Time  `json:"submitted_at"`
	Checker     string     `json:"checker"`
	CheckerRole string     `json:"checker_role"`
	DecidedAt   *time.Time `json:"decided_at"`
	Comment     string     `json:"comment"`

	key int64 // the household's key
}

// maskedValue replaces sensitive values for roles that may not see them.
const maskedValue = "(sensitive)"

// mask hides the sensitive values of cs.
func (cs *ChangeSet) mask() {
	for i := range cs.Members {
		if SensitiveField(cs.Members[i].Field) {
			cs.Members[i].From, cs.Members[i].To = maskedValue, maskedValue
		}
	}
	for i, m := range cs.Add {
		c := MemberValues{}
		for k, v := range m {
			if SensitiveField(k) {
				v = maskedValue
			}
			c[k] = v
		}
		cs.Add[i] = c
	}
}

func (cs *ChangeSet) clone() ChangeSet {
	b, _ := json.Marshal(cs)
	var c ChangeSet
	json.Unmarshal(b, &c)
	c.normalise()
	return c
}

// normalise makes nil lists empty, so that JSON shows [] rather than null.
func (cs *ChangeSet) normalise() {
	if cs.Household == nil {
		cs.Household = []FieldChange{}
	}
	if cs.Members == nil {
		cs.Members = []MemberChange{}
	}
	if cs.Add == nil {
		cs.Add = []MemberValues{}
	}
	if cs.Remove == nil {
		cs.Remove = []string{}
	}
}

// Limits of a request's texts and size.
const (
	maxReason  = 2000
	maxChanges = 60
)

// writer returns the caller if it may submit and decide change requests.
func writer(ctx context.Context) (*auth.Principal, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Writes() || !(p.SeesAllRegions() || p.Role == auth.RoleRegional) {
		return nil, fosis.Errorf(fosis.EFORBIDDEN, "your role (%s) may not submit or decide change requests", p.Role)
	}
	return p, nil
}

// loadRecord reads a household's whole record (sensitive attributes
// included) and its current region. On PostgreSQL forUpdate locks the row
// until the transaction ends, so that two approvals cannot both check the
// same old values. It returns sql.ErrNoRows when no household matches.
func (s *Store) loadRecord(ctx context.Context, q db.Querier, key int64, forUpdate bool) (*Household, string, error) {
	lock := ""
	if forUpdate && s.db.Engine == db.Postgres {
		lock = " FOR UPDATE OF h"
	}
	h := &Household{}
	var region, zone, tenure, floor, walls, roof, water, sanitation string
	var reg db.Day
	found := false
	err := db.Each(ctx, q, func(rows *sql.Rows) error {
		found = true
		if err := rows.Scan(&h.ID, &h.CommuneCode, &region, &zone, &tenure, &h.Rooms, &floor, &walls, &roof, &water, &sanitation,
			&h.VehicleCLP, &h.PropertyCLP, &h.SchoolFees, &reg); err != nil {
			return err
		}
		return nil
	}, `SELECT h.household_id, h.commune_code, c.region_code, h.zone, h.tenure, h.rooms, h.floor, h.walls,
		h.roof, h.water, h.sanitation, h.vehicle_value_clp, h.property_value_clp, h.school_fees_clp, h.registered_on
		FROM households h JOIN communes c ON c.code = h.commune_code WHERE h.id = ?`+lock, key)
	if err != nil {
		return nil, "", err
	}
	if !found {
		return nil, "", sql.ErrNoRows
	}
	h.Zone, _ = Zone.Parse(zone)
	h.Tenure, _ = Tenure.Parse(tenure)
	h.Floor, _ = Condition.Parse(floor)
	h.Walls, _ = Condition.Parse(walls)
	h.Roof, _ = Condition.Parse(roof)
	h.Water, _ = Water.Parse(water)
	h.Sanitation, _ = Sanitation.Parse(sanitation)
	h.RegisteredOn = reg.Time
	err = db.Each(ctx, q, func(rows *sql.Rows) error {
		var p Person
		var rel, sex, health, dis, dep string
		var born db.Day
		var inSchool, employed, indigenous, pregnant int
		if err := rows.Scan(&p.RUN, &p.GivenNames, &p.Paternal, &p.Maternal, &rel, &sex, &born, &p.Schooling, &inSchool, &employed, &p.LaborCLP, &p.PensionCLP,
			&p.CapitalCLP, &health, &dis, &dep, &indigenous, &pregnant); err != nil {
			return err
		}
		p.HouseholdID = h.ID
		p.Relation, _ = Relation.Parse(rel)
		p.Sex, _ = Sex.Parse(sex)
		p.HealthPlan, _ = HealthPlan.Parse(health)
		p.Disability, _ = Severity.Parse(dis)
		p.Dependency, _ = Severity.Parse(dep)
		p.BirthDate = born.Time
		p.InSchool, p.Employed, p.Indigenous, p.Pregnant = inSchool == 1, employed == 1, indigenous == 1, pregnant == 1
		h.Members = append(h.Members, p)
		return nil
	}, `SELECT run, given_names, paternal_surname, maternal_surname, relation, sex, birth_date,
		schooling_years, in_school, employed, labor_income_clp, pension_income_clp, capital_income_clp, health_plan, disability,
		dependency, indigenous, pregnant
		FROM persons WHERE household = ? ORDER BY run`, key)
	if err != nil {
		return nil, "", err
	}
	return h, region, nil
}

// memberIndex returns the index of the member with RUN body run, or -1.
func memberIndex(h *Household, run int64) int {
	return slices.IndexFunc(h.Members, func(p Person) bool { return p.RUN == run })
}

// problems collects the problems of one request.
type problems []FieldProblem

func (ps *problems) add(field, code string, args ...string) {
	*ps = append(*ps, FieldProblem{Field: field, Code: code, Args: args})
}

// prepare validates in against the household h as it is now (in region
// region) for principal p, fills in the From values, and returns the
// canonical change set. Problems come back as a *ChangeError (invalid).
func (s *Store) prepare(ctx context.Context, q db.Querier, p *auth.Principal, h *Household, region string, in ChangeInput, today time.Time) (ChangeSet, error) {
	var ps problems
	var disclosed []string
	allow, okKind := kindAllows[in.Kind]
	if !okKind {
		ps.add("kind", "kind")
	}
	if strings.TrimSpace(in.Reason) == "" {
		ps.add("reason", "required")
	} else if len(in.Reason) > maxReason {
		ps.add("reason", "too_long", strconv.Itoa(maxReason))
	}
	if len(in.Evidence) > maxReason {
		ps.add("evidence", "too_long", strconv.Itoa(maxReason))
	} else if in.Kind == KindRectify && strings.TrimSpace(in.Evidence) == "" {
		ps.add("evidence", "evidence_required", in.Kind)
	}
	c := in.Changes
	n := len(c.Household) + len(c.Members) + len(c.Add) + len(c.Remove)
	switch {
	case n == 0:
		ps.add("changes", "no_changes")
	case n > maxChanges:
		ps.add("changes", "too_many", strconv.Itoa(maxChanges))
	}
	if len(ps) > 0 && (n == 0 || n > maxChanges || !okKind) {
		return ChangeSet{}, changeError(fosis.EINVALID, "the change request is not valid", ps)
	}
	out := ChangeSet{}
	out.normalise()
	after := *h
	after.Members = slices.Clone(h.Members)
	seen := map[string]bool{}
	for i, fc := range c.Household {
		at := fmt.Sprintf("household[%d]", i)
		rule, ok := householdRules[fc.Field]
		switch {
		case !ok:
			ps.add(at+".field", "unknown_field", fc.Field)
			continue
		case !allow.household[fc.Field]:
			ps.add(at+".field", "not_allowed", fc.Field, in.Kind)
			continue
		case seen["h."+fc.Field]:
			ps.add(at+".field", "duplicate")
			continue
		}
		seen["h."+fc.Field] = true
		v, code, args := checkValue(rule, fc.To, s.terr, today)
		if code != "" {
			ps.add(at+".to", code, args...)
			continue
		}
		from := householdValue(h, fc.Field)
		if v == from {
			ps.add(at+".to", "same_value", from)
			continue
		}
		if fc.Field == "commune_code" && !p.SeesAllRegions() {
			if ci, _ := s.terr.CommuneIndex(v); s.terr.Communes[ci].RegionCode != region {
				ps.add(at+".to", "commune_region")
				continue
			}
		}
		setHousehold(&after, fc.Field, v)
		out.Household = append(out.Household, FieldChange{Field: fc.Field, From: from, To: v})
	}
	for i, mc := range c.Members {
		at := fmt.Sprintf("members[%d]", i)
		run, err := s.parseID(mc.RUN)
		if err != nil {
			ps.add(at+".run", runCode(err))
			continue
		}
		k := memberIndex(h, run)
		if k < 0 {
			ps.add(at+".run", "not_member", s.IDScheme().Canonical(run))
			continue
		}
		rule, ok := memberRules[mc.Field]
		key := "m." + strconv.FormatInt(run, 10) + "." + mc.Field
		switch {
		case !ok:
			ps.add(at+".field", "unknown_field", mc.Field)
			continue
		case !allow.member[mc.Field]:
			ps.add(at+".field", "not_allowed", mc.Field, in.Kind)
			continue
		case seen[key]:
			ps.add(at+".field", "duplicate")
			continue
		}
		seen[key] = true
		v, code, args := checkValue(rule, mc.To, s.terr, today)
		if code != "" {
			ps.add(at+".to", code, args...)
			continue
		}
		from := memberValue(&h.Members[k], mc.Field)
		if v == from {
			ps.add(at+".to", "same_value", from)
			continue
		}
		setMember(&after.Members[k], mc.Field, v)
		out.Members = append(out.Members, MemberChange{RUN: s.IDScheme().Canonical(run), Field: mc.Field, From: from, To: v})
	}
	removed := map[int64]bool{}
	for i, r := range c.Remove {
		at := fmt.Sprintf("remove[%d]", i)
		if !allow.remove && okKind {
			ps.add(at, "remove_not_allowed", in.Kind)
			continue
		}
		run, err := s.parseID(r)
		if err != nil {
			ps.add(at, runCode(err))
			continue
		}
		if memberIndex(h, run) < 0 {
			ps.add(at, "not_member", s.IDScheme().Canonical(run))
			continue
		}
		if removed[run] {
			ps.add(at, "duplicate")
			continue
		}
		if slices.ContainsFunc(out.Members, func(m MemberChange) bool { return m.RUN == s.IDScheme().Canonical(run) }) {
			ps.add(at, "duplicate") // a member who leaves is not also changed
			continue
		}
		removed[run] = true
		out.Remove = append(out.Remove, s.IDScheme().Canonical(run))
	}
	after.Members = slices.DeleteFunc(after.Members, func(p Person) bool { return removed[p.RUN] })
	for i, m := range c.Add {
		at := fmt.Sprintf("add[%d]", i)
		if !allow.add {
			ps.add(at, "add_not_allowed", in.Kind)
			continue
		}
		per, canon, bad := s.newMember(at, m, h.ID, today, &ps)
		if bad {
			continue
		}
		if memberIndex(&after, per.RUN) >= 0 || memberIndex(h, per.RUN) >= 0 {
			ps.add(at+".run", "run_taken", s.IDScheme().Canonical(per.RUN))
			continue
		}
		taken, where, err := runTaken(ctx, q, per.RUN)
		if err != nil {
			return ChangeSet{}, err
		}
		if taken {
			ps.add(at+".run", "run_taken", s.IDScheme().Canonical(per.RUN))
			disclose(p, where, s.IDScheme().Canonical(per.RUN), &disclosed)
			continue
		}
		after.Members = append(after.Members, per)
		out.Add = append(out.Add, canon)
	}
	if len(ps) == 0 {
		ps = append(ps, checkWhole(&after)...)
	}
	if len(ps) > 0 {
		err := changeError(fosis.EINVALID, "the change request is not valid", ps)
		err.(*ChangeError).disclosed = disclosed
		return ChangeSet{}, err
	}
	return out, nil
}

// checkWhole applies the rules that span members: one head, someone left.
func checkWhole(h *Household) []FieldProblem {
	var ps problems
	heads := 0
	for _, m := range h.Members {
		if m.Relation == RelHead {
			heads++
		}
	}
	switch {
	case len(h.Members) == 0:
		ps.add("changes", "no_members")
	case heads != 1:
		ps.add("changes", "heads", strconv.Itoa(heads))
	}
	return ps
}

// newMember validates a new member's values; bad reports problems.
func (s *Store) newMember(at string, m MemberValues, householdID string, today time.Time, ps *problems) (Person, MemberValues, bool) {
	before := len(*ps)
	canon := MemberValues{}
	per := Person{HouseholdID: householdID}
	for k := range m {
		if _, ok := memberRules[k]; !ok && k != "run" {
			ps.add(at+"."+k, "unknown_field", k)
		}
	}
	run, err := s.parseID(m["run"])
	if err != nil {
		ps.add(at+".run", runCode(err))
	} else {
		per.RUN = run
		canon["run"] = s.IDScheme().Canonical(run)
	}
	for _, name := range MemberFields {
		v, code, args := checkValue(memberRules[name], m[name], s.terr, today)
		if code != "" {
			ps.add(at+"."+name, code, args...)
			continue
		}
		setMember(&per, name, v)
		canon[name] = v
	}
	return per, canon, len(*ps) > before
}

// runTaken reports whether a RUN belongs to any household, and the region
// of that household.
func runTaken(ctx context.Context, q db.Querier, run int64) (taken bool, region string, err error) {
	err = q.QueryRowContext(ctx, `SELECT c.region_code FROM persons pe JOIN households h ON h.id = pe.household
		JOIN communes c ON c.code = h.commune_code WHERE pe.run = ?`, run).Scan(&region)
	if db.IsNoRows(err) {
		return false, "", nil
	}
	return err == nil, region, err
}

// disclose adds run to disclosed when a refusal saying it is taken tells p
// something p may not see (its household is in region, outside p's
// territory): SubmitChange and Decide record those in the audit trail
// (auditDisclosed).
func disclose(p *auth.Principal, region string, run string, disclosed *[]string) {
	if p != nil && !p.SeesRegion(region) {
		*disclosed = append(*disclosed, run)
	}
}

// apply applies a prepared change set to h, checking first that every value
// it replaces is still the household's (a conflict otherwise, naming each
// field that changed underneath).
func (s *Store) apply(ctx context.Context, q db.Querier, p *auth.Principal, h *Household, cs ChangeSet) (*Household, error) {
	var ps problems
	var disclosed []string
	after := *h
	after.Members = slices.Clone(h.Members)
	for i, fc := range cs.Household {
		if now := householdValue(h, fc.Field); now != fc.From {
			ps.add(fmt.Sprintf("household[%d].to", i), "changed", fc.From, now)
			continue
		}
		setHousehold(&after, fc.Field, fc.To)
	}
	for i, mc := range cs.Members {
		run, _ := s.parseID(mc.RUN)
		k := memberIndex(h, run)
		if k < 0 {
			ps.add(fmt.Sprintf("members[%d].run", i), "gone", mc.RUN)
			continue
		}
		if now := memberValue(&h.Members[k], mc.Field); now != mc.From {
			from, now := mc.From, now
			if SensitiveField(mc.Field) {
				from, now = maskedValue, maskedValue
			}
			ps.add(fmt.Sprintf("members[%d].to", i), "changed", from, now)
			continue
		}
		setMember(&after.Members[k], mc.Field, mc.To)
	}
	for i, r := range cs.Remove {
		run, _ := s.parseID(r)
		k := memberIndex(&after, run)
		if k < 0 {
			ps.add(fmt.Sprintf("remove[%d]", i), "gone", r)
			continue
		}
		after.Members = slices.Delete(after.Members, k, k+1)
	}
	for i, m := range cs.Add {
		var per Person
		per.HouseholdID = h.ID
		per.RUN, _ = s.parseID(m["run"])
		for _, name := range MemberFields {
			setMember(&per, name, m[name])
		}
		taken, where, err := runTaken(ctx, q, per.RUN)
		if err != nil {
			return nil, err
		}
		if taken || memberIndex(&after, per.RUN) >= 0 {
			ps.add(fmt.Sprintf("add[%d].run", i), "run_taken", m["run"])
			if taken {
				disclose(p, where, s.IDScheme().Canonical(per.RUN), &disclosed)
			}
			continue
		}
		after.Members = append(after.Members, per)
	}
	if len(ps) > 0 {
		err := changeError(fosis.ECONFLICT, "the household has changed since the request was submitted; submit a new request against it as it is now", ps)
		err.(*ChangeError).disclosed = disclosed
		return nil, err
	}
	if ws := checkWhole(&after); len(ws) > 0 {
		return nil, changeError(fosis.ECONFLICT, "the household has changed since the request was submitted; submit a new request against it as it is now", ws)
	}
	slices.SortFunc(after.Members, func(a, b Person) int { return cmp.Compare(a.RUN, b.RUN) })
	return &after, nil
}

// writeRecord replaces a household's row and its members' rows with h, and
// moves the registry's revision on (the shared frame is then stale).
func writeRecord(ctx context.Context, tx *db.Tx, key int64, h *Household) error {
	d := tx.DB()
	now := d.Time(tx.Now)
	_, err := tx.ExecContext(ctx, `UPDATE households SET commune_code = ?, zone = ?, tenure = ?, rooms = ?, floor = ?, walls = ?,
		roof = ?, water = ?, sanitation = ?, vehicle_value_clp = ?, property_value_clp = ?, school_fees_clp = ?, registered_on = ?,
		members = ?, score_inputs = ?, updated_at = ? WHERE id = ?`,
		h.CommuneCode, Zone.Word(h.Zone), Tenure.Word(h.Tenure), h.Rooms, Condition.Word(h.Floor), Condition.Word(h.Walls),
		Condition.Word(h.Roof), Water.Word(h.Water), Sanitation.Word(h.Sanitation), h.VehicleCLP, h.PropertyCLP, h.SchoolFees,
		d.Date(h.RegisteredOn), len(h.Members), Pack(h), now, key)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM persons WHERE household = ?`, key); err != nil {
		return err
	}
	for _, p := range h.Members {
		_, err := tx.ExecContext(ctx, `INSERT INTO persons (`+strings.Join(personDBCols, ", ")+`) VALUES (`+
			strings.TrimSuffix(strings.Repeat("?, ", len(personDBCols)), ", ")+`)`,
			p.RUN, p.GivenNames, p.Paternal, p.Maternal, NameKey(p.GivenNames, p.Paternal, p.Maternal),
			key, Relation.Word(p.Relation), Sex.Word(p.Sex), d.Date(p.BirthDate), p.Schooling, db.Bool(p.InSchool),
			db.Bool(p.Employed), p.LaborCLP, p.PensionCLP, p.CapitalCLP, HealthPlan.Word(p.HealthPlan), Severity.Word(p.Disability),
			Severity.Word(p.Dependency), db.Bool(p.Indigenous), db.Bool(p.Pregnant), now)
		if err != nil {
			return err
		}
	}
	return bumpRevision(ctx, tx)
}

// writeVersion records h as a version of household key.
func writeVersion(ctx context.Context, tx *db.Tx, key int64, h *Household, at time.Time, source string, sourceID int64) error {
	rec := encodeRecord(nil, h)
	_, err := tx.ExecContext(ctx, `INSERT INTO household_versions (household, valid_from, commune_code, source, source_id, digest, record)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, key, tx.DB().Time(at), h.CommuneCode, source, sourceID, digest(rec), rec)
	return err
}

// ensureBaseline records h as it is, before a first change, when the
// household has no version yet (it was imported before history was kept):
// from the instant it was last written, so that dates since then show it.
func ensureBaseline(ctx context.Context, tx *db.Tx, key int64, h *Household) error {
	var n int
	var upd db.Instant
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM household_versions WHERE household = ?),
		(SELECT updated_at FROM households WHERE id = ?)`, key, key).Scan(&n, &upd); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	return writeVersion(ctx, tx, key, h, upd.Time, "baseline", 0)
}

// SubmitChange records a change request on the household with the given
// extract id, validated against the household as it is now.
func (s *Store) SubmitChange(ctx context.Context, householdID string, in ChangeInput, ip string) (*ChangeRequest, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	var out *ChangeRequest
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		key, err := txHouseholdKey(ctx, tx, householdID)
		if err != nil {
			return err
		}
		h, region, err := s.loadRecord(ctx, tx, key, false)
		if err == sql.ErrNoRows || (err == nil && !p.SeesRegion(region)) {
			return outOfScope(fmt.Sprintf("household with id %q", householdID))
		}
		if err != nil {
			return err
		}
		cs, err := s.prepare(ctx, tx, p, h, region, in, tx.Now)
		if err != nil {
			return err
		}
		b, err := json.Marshal(cs)
		if err != nil {
			return err
		}
		id, err := tx.InsertID(ctx, `INSERT INTO change_requests (household, household_id, kind, state, changes, reason, evidence,
			maker, maker_role, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			key, householdID, in.Kind, StateSubmitted, string(b), strings.TrimSpace(in.Reason), strings.TrimSpace(in.Evidence),
			p.Username, string(p.Role), tx.DB().Time(tx.Now))
		if err != nil {
			return err
		}
		out = &ChangeRequest{ID: id, HouseholdID: householdID, Kind: in.Kind, State: StateSubmitted, Changes: cs,
			Reason: strings.TrimSpace(in.Reason), Evidence: strings.TrimSpace(in.Evidence), Maker: p.Username,
			MakerRole: string(p.Role), SubmittedAt: tx.Now, key: key}
		logged := out.Changes.clone()
		logged.mask()
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "change_request.submit",
			Entity: "change_request", EntityID: strconv.FormatInt(id, 10), IP: ip,
			After: map[string]any{"household_id": householdID, "kind": in.Kind, "state": StateSubmitted, "changes": logged,
				"reason": out.Reason, "evidence": out.Evidence}})
		return err
	})
	if err != nil {
		return nil, s.auditDisclosed(ctx, p, householdID, ip, err)
	}
	return s.shown(p, out), nil
}

// auditDisclosed records in the audit trail (registry.run_taken) the RUNs
// a refused change request told p are registered in a household p may not
// see: a RUN can be in one household only, so the refusal must say so, but
// a regional officer probing RUNs that way leaves a trace an auditor can
// find. It returns err, the refusal, or the audit's own error if the entry
// could not be written (then nothing is told).
func (s *Store) auditDisclosed(ctx context.Context, p *auth.Principal, householdID, ip string, err error) error {
	var ce *ChangeError
	if !errors.As(err, &ce) || len(ce.disclosed) == 0 {
		return err
	}
	if aerr := s.db.Transact(ctx, func(tx *db.Tx) error {
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "registry.run_taken",
			Entity: "household", EntityID: householdID, IP: ip,
			After: map[string]any{"runs_registered_elsewhere": ce.disclosed}})
		return err
	}); aerr != nil {
		return aerr
	}
	return err
}

func txHouseholdKey(ctx context.Context, tx *db.Tx, id string) (int64, error) {
	var key int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM households WHERE household_id = ?`, id).Scan(&key)
	if err == sql.ErrNoRows {
		return 0, outOfScope(fmt.Sprintf("household with id %q", id))
	}
	return key, err
}

// shown returns r as p may see it (sensitive values masked for roles that do
// not see sensitive data).
func (s *Store) shown(p *auth.Principal, r *ChangeRequest) *ChangeRequest {
	r.Changes.normalise()
	if !p.SeesSensitive() {
		r.Changes = r.Changes.clone()
		r.Changes.mask()
	}
	return r
}

const changeColumns = `r.id, r.household, r.household_id, r.kind, r.state, r.changes, r.reason, r.evidence, r.maker, r.maker_role,
	r.submitted_at, r.checker, r.checker_role, r.decided_at, r.comment`

// scanChange reads one row of changeColumns, then extra columns.
func scanChange(sc interface{ Scan(...any) error }, extra ...any) (*ChangeRequest, error) {
	var r ChangeRequest
	var changes string
	var sub, dec db.Instant
	dest := append([]any{&r.ID, &r.key, &r.HouseholdID, &r.Kind, &r.State, &changes, &r.Reason, &r.Evidence, &r.Maker, &r.MakerRole,
		&sub, &r.Checker, &r.CheckerRole, &dec, &r.Comment}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(changes), &r.Changes); err != nil {
		return nil, fmt.Errorf("change request %d: %w", r.ID, err)
	}
	r.Changes.normalise()
	r.SubmittedAt = sub.Time
	if !dec.IsZero() {
		t := dec.Time
		r.DecidedAt = &t
	}
	return &r, nil
}

// changeSelect reads requests with the region they are seen from: their
// household's current region if the household was already there when the
// request was submitted, else "" (national roles only). Scope follows the
// commune at the request's date, as for versions (history.go): a household
// that moved in from another region does not show the new region's
// officer the requests made while it was elsewhere, which hold its old
// commune and old values.
const changeSelect = `SELECT ` + changeColumns + `, CASE WHEN ` + changeSubmittedInCurrent + ` THEN c.region_code ELSE '' END
	FROM change_requests r JOIN households h ON h.id = r.household JOIN communes c ON c.code = h.commune_code`

// changeSubmittedInCurrent holds when request r's household (h, in commune
// c) was in its current region at r's submission: the region of its newest
// version recorded by then (the current one for a household without
// versions before it). One indexed lookup per request
// (household_versions_household).
const changeSubmittedInCurrent = `COALESCE((SELECT vc.region_code FROM household_versions v JOIN communes vc ON vc.code = v.commune_code
		WHERE v.household = r.household AND v.valid_from <= r.submitted_at ORDER BY v.valid_from DESC, v.id DESC LIMIT 1),
		c.region_code) = c.region_code`

// ChangeRequest returns one request, if its household is in the caller's
// territory.
func (s *Store) ChangeRequest(ctx context.Context, id int64) (*ChangeRequest, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var region string
	r, err := scanChange(s.db.QueryRowContext(ctx, changeSelect+` WHERE r.id = ?`, id), &region)
	if err == sql.ErrNoRows || (err == nil && !p.SeesRegion(region)) {
		return nil, outOfScope(fmt.Sprintf("change request %d", id))
	}
	if err != nil {
		return nil, err
	}
	return s.shown(p, r), nil
}
