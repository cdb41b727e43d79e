package registry

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/platform/natid"
	"github.com/fosis/fosis/internal/platform/rut"
)

// The fields a change request may name, with the rules the import applies to
// the same columns (docs/extract-format.md): the same enums, ranges, dates
// and RUN check digits, so that a change can never record what an import
// would reject.

// fieldType is how a field's value is written and checked.
type fieldType uint8

const (
	ftEnum fieldType = iota
	ftInt
	ftDate
	ftFlag
	ftCommune
	ftName
)

// fieldRule is one changeable column.
type fieldRule struct {
	typ       fieldType
	enum      Enum
	lo, hi    int64
	sensitive bool // shown only to roles that see sensitive data (Ley 21.719)
	optional  bool // a name that may be empty (the maternal surname)
}

// householdRules are the household's changeable columns (not household_id,
// which identifies it).
var householdRules = map[string]fieldRule{
	"commune_code":       {typ: ftCommune},
	"zone":               {typ: ftEnum, enum: Zone},
	"tenure":             {typ: ftEnum, enum: Tenure},
	"rooms":              {typ: ftInt, lo: 0, hi: 50},
	"floor":              {typ: ftEnum, enum: Condition},
	"walls":              {typ: ftEnum, enum: Condition},
	"roof":               {typ: ftEnum, enum: Condition},
	"water":              {typ: ftEnum, enum: Water},
	"sanitation":         {typ: ftEnum, enum: Sanitation},
	"vehicle_value_clp":  {typ: ftInt, lo: 0, hi: maxMoney},
	"property_value_clp": {typ: ftInt, lo: 0, hi: maxMoney},
	"school_fees_clp":    {typ: ftInt, lo: 0, hi: maxMoney},
	"registered_on":      {typ: ftDate},
}

// memberRules are a member's changeable columns (not the RUN: a wrong RUN is
// a member removed and another added).
var memberRules = map[string]fieldRule{
	"given_names":        {typ: ftName},
	"paternal_surname":   {typ: ftName},
	"maternal_surname":   {typ: ftName, optional: true},
	"relation":           {typ: ftEnum, enum: Relation},
	"sex":                {typ: ftEnum, enum: Sex},
	"birth_date":         {typ: ftDate},
	"schooling_years":    {typ: ftInt, lo: 0, hi: 30},
	"in_school":          {typ: ftFlag},
	"employed":           {typ: ftFlag},
	"labor_income_clp":   {typ: ftInt, lo: 0, hi: maxMoney},
	"pension_income_clp": {typ: ftInt, lo: 0, hi: maxMoney},
	"capital_income_clp": {typ: ftInt, lo: 0, hi: maxMoney},
	"health_plan":        {typ: ftEnum, enum: HealthPlan, sensitive: true},
	"disability":         {typ: ftEnum, enum: Severity, sensitive: true},
	"dependency":         {typ: ftEnum, enum: Severity, sensitive: true},
	"indigenous":         {typ: ftFlag, sensitive: true},
	"pregnant":           {typ: ftFlag, sensitive: true},
}

// HouseholdFields and MemberFields list the changeable fields in the order
// forms show them.
var (
	HouseholdFields = []string{"commune_code", "zone", "tenure", "rooms", "floor", "walls", "roof", "water", "sanitation",
		"vehicle_value_clp", "property_value_clp", "school_fees_clp", "registered_on"}
	MemberFields = []string{"given_names", "paternal_surname", "maternal_surname", "relation", "sex", "birth_date", "schooling_years", "in_school", "employed",
		"labor_income_clp", "pension_income_clp", "capital_income_clp", "health_plan", "disability", "dependency",
		"indigenous", "pregnant"}
)

// SensitiveField reports whether a member field is sensitive personal data.
func SensitiveField(name string) bool { return memberRules[name].sensitive }

// FieldProblem is one thing wrong with a change request: the field (a path
// such as "household[0].to" or "add[0].birth_date"), a code and the code's
// arguments. Pages translate the code (catalog key changes.err.<code>); the
// API shows Message, in English.
type FieldProblem struct {
	Field string
	Code  string
	Args  []string
}

// problemTexts are the English messages of the problem codes; each takes the
// problem's Args in order.
var problemTexts = map[string]string{
	"required":           "is required",
	"name_chars":         "must be a name: letters, without control characters",
	"too_long":           "is longer than %s characters",
	"kind":               "must be update, rectify or complement",
	"no_changes":         "name at least one change",
	"too_many":           "at most %s changes fit in one request",
	"unknown_field":      "%s is not a field a request can change",
	"not_allowed":        "%s cannot be changed by a request of kind %s",
	"add_not_allowed":    "a request of kind %s cannot add members",
	"remove_not_allowed": "a request of kind %s cannot remove members",
	"enum":               "is not one of %s",
	"integer":            "is not a whole number (write pesos without dots or signs)",
	"range":              "must be between %s and %s",
	"flag":               "must be 0 or 1",
	"date":               "is not a date in the form YYYY-MM-DD",
	"date_early":         "is before 1890",
	"date_future":        "is in the future",
	"commune":            "is not an official commune code",
	"commune_region":     "is in another region: a national analyst must submit a move to another region",
	"run_empty":          "is empty; a RUN is required",
	"run_check":          "is not a valid RUN: the check digit does not match",
	"run_syntax":         "is not a RUN: write digits and a check digit, e.g. 12.345.678-5",
	"not_member":         "%s is not a member of this household",
	"run_taken":          "%s already belongs to a household; that household must remove them first",
	"duplicate":          "is changed twice in this request",
	"same_value":         "is already %s",
	"heads":              "the household would have %s heads; exactly one is required",
	"no_members":         "the household would have no members left",
	"evidence_required":  "a %s request needs evidence: the document that shows the correct value",
	"changed":            "has changed since the request was submitted (it was %s, it is now %s)",
	"gone":               "%s is no longer a member of this household",
}

// ProblemCodes lists every problem code, for the catalogs' test.
func ProblemCodes() []string {
	out := make([]string, 0, len(problemTexts))
	for c := range problemTexts {
		out = append(out, c)
	}
	return out
}

// Message is the problem in English.
func (p FieldProblem) Message() string {
	args := make([]any, len(p.Args))
	for i, a := range p.Args {
		args[i] = a
	}
	return fmt.Sprintf(problemTexts[p.Code], args...)
}

// ChangeError is the error of a change request that cannot be submitted or
// approved as it stands: its problems field by field. It unwraps to a
// *fosis.Error (invalid, or conflict when the household changed underneath).
type ChangeError struct {
	Problems []FieldProblem
	err      *fosis.Error
	// disclosed are the RUNs the problems say are registered in a
	// household the caller may not see (auditDisclosed).
	disclosed []string
}

func (e *ChangeError) Error() string { return e.err.Error() }

// Unwrap lets fosis.ErrorCode and errors.As find the *fosis.Error.
func (e *ChangeError) Unwrap() error { return e.err }

func changeError(code, message string, problems []FieldProblem) error {
	fe := &fosis.Error{Code: code, Message: message}
	for _, p := range problems {
		fe.Fields = append(fe.Fields, p.Keyed())
	}
	return &ChangeError{Problems: problems, err: fe}
}

// Keyed returns the problem as a keyed field error (fosis.KeyedField): its
// English message, and the catalog key "changes.err.<code>" with the same
// arguments, which the pages say in the reader's language.
func (p FieldProblem) Keyed() fosis.FieldError {
	args := make([]any, len(p.Args))
	for i, a := range p.Args {
		args[i] = a
	}
	return fosis.KeyedField(p.Field, "changes.err."+p.Code, problemTexts[p.Code], args...)
}

// AsChangeError returns the problems of a change request's error, if it is one.
func AsChangeError(err error) ([]FieldProblem, bool) {
	var ce *ChangeError
	if errors.As(err, &ce) {
		return ce.Problems, true
	}
	return nil, false
}

// checkValue validates v for rule as the import does and returns it in its
// canonical spelling, or a problem code and its arguments.
func checkValue(rule fieldRule, v string, terr *geo.Territory, today time.Time) (string, string, []string) {
	v = strings.TrimSpace(v)
	switch rule.typ {
	case ftEnum:
		if _, err := rule.enum.Parse(v); err != nil {
			return "", "enum", []string{rule.enum.allowed()}
		}
		return v, "", nil
	case ftInt:
		n, err := strconv.ParseInt(v, 10, 64)
		switch {
		case v == "":
			return "", "required", nil
		case err != nil:
			return "", "integer", nil
		case n < rule.lo || n > rule.hi:
			return "", "range", []string{strconv.FormatInt(rule.lo, 10), strconv.FormatInt(rule.hi, 10)}
		}
		return strconv.FormatInt(n, 10), "", nil
	case ftDate:
		t, err := time.Parse(time.DateOnly, v)
		switch {
		case v == "":
			return "", "required", nil
		case err != nil:
			return "", "date", nil
		case t.Year() < 1890:
			return "", "date_early", nil
		case t.After(today):
			return "", "date_future", nil
		}
		return v, "", nil
	case ftFlag:
		if v != "0" && v != "1" {
			return "", "flag", nil
		}
		return v, "", nil
	case ftCommune:
		if _, ok := terr.CommuneIndex(v); !ok {
			return "", "commune", nil
		}
		return v, "", nil
	case ftName:
		v = strings.Join(strings.Fields(v), " ")
		switch reason := checkName(v, !rule.optional); {
		case reason == "":
			return v, "", nil
		case v == "":
			return "", "required", nil
		case utf8.RuneCountInString(v) > maxNameLen:
			return "", "too_long", []string{strconv.Itoa(maxNameLen)}
		}
		return "", "name_chars", nil
	}
	return "", "unknown_field", nil
}

// householdValue returns a household field in its canonical spelling.
func householdValue(h *Household, name string) string {
	switch name {
	case "commune_code":
		return h.CommuneCode
	case "zone":
		return Zone.Word(h.Zone)
	case "tenure":
		return Tenure.Word(h.Tenure)
	case "rooms":
		return strconv.Itoa(h.Rooms)
	case "floor":
		return Condition.Word(h.Floor)
	case "walls":
		return Condition.Word(h.Walls)
	case "roof":
		return Condition.Word(h.Roof)
	case "water":
		return Water.Word(h.Water)
	case "sanitation":
		return Sanitation.Word(h.Sanitation)
	case "vehicle_value_clp":
		return strconv.FormatInt(h.VehicleCLP, 10)
	case "property_value_clp":
		return strconv.FormatInt(h.PropertyCLP, 10)
	case "school_fees_clp":
		return strconv.FormatInt(h.SchoolFees, 10)
	case "registered_on":
		return h.RegisteredOn.Format(time.DateOnly)
	}
	return ""
}

// setHousehold sets a household field from a value checkValue accepted.
func setHousehold(h *Household, name, v string) {
	n, _ := strconv.ParseInt(v, 10, 64)
	switch name {
	case "commune_code":
		h.CommuneCode = v
	case "zone":
		h.Zone, _ = Zone.Parse(v)
	case "tenure":
		h.Tenure, _ = Tenure.Parse(v)
	case "rooms":
		h.Rooms = int(n)
	case "floor":
		h.Floor, _ = Condition.Parse(v)
	case "walls":
		h.Walls, _ = Condition.Parse(v)
	case "roof":
		h.Roof, _ = Condition.Parse(v)
	case "water":
		h.Water, _ = Water.Parse(v)
	case "sanitation":
		h.Sanitation, _ = Sanitation.Parse(v)
	case "vehicle_value_clp":
		h.VehicleCLP = n
	case "property_value_clp":
		h.PropertyCLP = n
	case "school_fees_clp":
		h.SchoolFees = n
	case "registered_on":
		h.RegisteredOn, _ = time.Parse(time.DateOnly, v)
	}
}

func flag01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// memberValue returns a member field in its canonical spelling.
func memberValue(p *Person, name string) string {
	switch name {
	case "given_names":
		return p.GivenNames
	case "paternal_surname":
		return p.Paternal
	case "maternal_surname":
		return p.Maternal
	case "relation":
		return Relation.Word(p.Relation)
	case "sex":
		return Sex.Word(p.Sex)
	case "birth_date":
		return p.BirthDate.Format(time.DateOnly)
	case "schooling_years":
		return strconv.Itoa(p.Schooling)
	case "in_school":
		return flag01(p.InSchool)
	case "employed":
		return flag01(p.Employed)
	case "labor_income_clp":
		return strconv.FormatInt(p.LaborCLP, 10)
	case "pension_income_clp":
		return strconv.FormatInt(p.PensionCLP, 10)
	case "capital_income_clp":
		return strconv.FormatInt(p.CapitalCLP, 10)
	case "health_plan":
		return HealthPlan.Word(p.HealthPlan)
	case "disability":
		return Severity.Word(p.Disability)
	case "dependency":
		return Severity.Word(p.Dependency)
	case "indigenous":
		return flag01(p.Indigenous)
	case "pregnant":
		return flag01(p.Pregnant)
	}
	return ""
}

// setMember sets a member field from a value checkValue accepted.
func setMember(p *Person, name, v string) {
	n, _ := strconv.ParseInt(v, 10, 64)
	switch name {
	case "given_names":
		p.GivenNames = v
	case "paternal_surname":
		p.Paternal = v
	case "maternal_surname":
		p.Maternal = v
	case "relation":
		p.Relation, _ = Relation.Parse(v)
	case "sex":
		p.Sex, _ = Sex.Parse(v)
	case "birth_date":
		p.BirthDate, _ = time.Parse(time.DateOnly, v)
	case "schooling_years":
		p.Schooling = int(n)
	case "in_school":
		p.InSchool = v == "1"
	case "employed":
		p.Employed = v == "1"
	case "labor_income_clp":
		p.LaborCLP = n
	case "pension_income_clp":
		p.PensionCLP = n
	case "capital_income_clp":
		p.CapitalCLP = n
	case "health_plan":
		p.HealthPlan, _ = HealthPlan.Parse(v)
	case "disability":
		p.Disability, _ = Severity.Parse(v)
	case "dependency":
		p.Dependency, _ = Severity.Parse(v)
	case "indigenous":
		p.Indigenous = v == "1"
	case "pregnant":
		p.Pregnant = v == "1"
	}
}

// runCode is the problem code of a national ID (Chile's RUN or a pack's
// scheme, Store.parseID) that does not parse.
func runCode(err error) string {
	switch {
	case errors.Is(err, rut.ErrEmpty), errors.Is(err, natid.ErrEmpty):
		return "run_empty"
	case errors.Is(err, rut.ErrCheckDigit), errors.Is(err, natid.ErrCheck):
		return "run_check"
	}
	return "run_syntax"
}

// parseID reads a national ID of the store's scheme: Chile's RUN through
// rut, as before packs (its errors unchanged), any other through natid.
func (s *Store) parseID(text string) (int64, error) {
	if ids := s.IDScheme(); ids.Algorithm != natid.RUN {
		return ids.Parse(text)
	}
	return rut.Parse(text)
}
