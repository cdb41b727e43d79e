package targeting

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/fosis/fosis/internal/registry"
)

// Explanation tells one household how its value, rank and bracket were
// reached: the rights-based answer to "why am I in this bracket?". It is
// JSON-serialisable and Summary turns it into a plain paragraph.
type Explanation struct {
	Household    int    `json:"household"` // index in the frame
	Key          int64  `json:"key"`
	HouseholdID  string `json:"household_id,omitempty"`
	ModelID      string `json:"model_id"`
	ModelName    string `json:"model_name"`
	ModelVersion int    `json:"model_version"`
	Kind         Kind   `json:"kind"`
	AsOf         string `json:"as_of"` // scoring date, YYYY-MM-DD
	// Value is the model's value (pesos for income models, points for pmt).
	Value float64 `json:"value"`

	Rank   *RankExplanation   `json:"rank,omitempty"` // nil when Explain had no Results
	Income *IncomeExplanation `json:"income,omitempty"`
	PMT    *PMTExplanation    `json:"pmt,omitempty"`

	// Upgrades are the means tests the household failed, with the amounts
	// that triggered them; UpgradeTo is the bracket they raise it to.
	Upgrades  []UpgradeExplanation `json:"upgrades,omitempty"`
	UpgradeTo uint8                `json:"upgrade_to_bracket,omitempty"`
}

// RankExplanation is the household's place in a scoring run.
type RankExplanation struct {
	Households    int     `json:"households,omitempty"` // N of the run; 0 (withheld) for a caller who does not see every region
	Percentile    float64 `json:"percentile"`
	RankedBracket uint8   `json:"ranked_bracket"` // bracket from the percentile alone
	Bracket       uint8   `json:"bracket"`        // after upgrades
	Poorest5      bool    `json:"poorest_5"`
	// Keys are the household's ranking keys as ranked: value, tie_key_1,
	// tie_key_2 (see Results).
	Keys []float64 `json:"keys,omitempty"`
}

// IncomeExplanation is the arithmetic of an income model for one household:
// corrected income = counted income / divisor / needs index.
type IncomeExplanation struct {
	Members             []MemberExplanation `json:"members"`
	Size                int                 `json:"household_size"`
	CountedIncome       float64             `json:"counted_income_clp"`
	ExcludedIncome      float64             `json:"excluded_student_income_clp"`
	EquivalenceExponent float64             `json:"equivalence_exponent"`
	EquivalenceDivisor  float64             `json:"equivalence_divisor"` // size^exponent (1 if no members)
	EquivalentIncome    float64             `json:"equivalent_income_clp"`
	NeedsIndex          float64             `json:"needs_index"` // 1 + Σ members' needs weights
	CorrectedIncome     float64             `json:"corrected_income_clp"`
}

// MemberExplanation is one member's part in an income model.
type MemberExplanation struct {
	Member         int     `json:"member"` // 1-based position in the household
	Relation       string  `json:"relation"`
	Age            int     `json:"age"`
	WorkingStudent bool    `json:"working_student"` // has wages, in school, at most student_age_max
	Labor          int64   `json:"labor_clp"`
	LaborCounted   float64 `json:"labor_counted_clp"`
	LaborExcluded  float64 `json:"labor_excluded_clp"` // left out by the student rule
	Pension        int64   `json:"pension_clp"`
	Capital        int64   `json:"capital_clp"`
	Counted        float64 `json:"counted_clp"` // labour counted + pension + capital
	// Needs are the weights this member adds to the needs index: its age
	// term and the larger of its disability and dependency terms
	// (disability is named on a tie). Zero weights are left out.
	Needs []NeedsTerm `json:"needs,omitempty"`
}

// NeedsTerm is one addition to the needs index.
type NeedsTerm struct {
	Reason string  `json:"reason"` // minor, older_adult, disability_moderate, …
	Weight float64 `json:"weight"`
}

// PMTExplanation is the sum of a pmt model for one household: value =
// intercept + Σ terms' contributions.
type PMTExplanation struct {
	Intercept float64 `json:"intercept"`
	// Terms has one entry per weighted feature, largest absolute
	// contribution first (catalogue order on ties).
	Terms []PMTTerm `json:"terms"`
}

// PMTTerm is one feature's part in a pmt value: Contribution = Weight × Value.
// For a categorical feature Value is 1 and Weight is the weight of the
// household's Level (0 if the model gives that level none).
type PMTTerm struct {
	Feature      string  `json:"feature"`
	Level        string  `json:"level,omitempty"`
	Value        float64 `json:"value"`
	Weight       float64 `json:"weight"`
	Contribution float64 `json:"contribution"`
}

// UpgradeExplanation is one means test the household failed.
type UpgradeExplanation struct {
	Reason    string  `json:"reason"`     // vehicle, property, isapre, school_fees
	Amount    float64 `json:"amount_clp"` // the household's amount that met the threshold
	Threshold int64   `json:"threshold_clp"`
}

// Explain explains household i of f under model m (which must be valid) on
// day asOf. res, if not nil, is the run the household was ranked in and adds
// its percentile and bracket. The value is computed by the same code as
// Score, so it equals res.Value[i] exactly. It panics if i is out of range.
func Explain(f *registry.Frame, i int, m *Model, asOf int32, res *Results) Explanation {
	c := compile(m, f, asOf)
	e := Explanation{
		Household: i, Key: f.Key[i], ModelID: m.ID, ModelName: m.Name, ModelVersion: m.Version,
		Kind: m.Kind, AsOf: registry.DayTime(asOf).Format(time.DateOnly),
	}
	if i < len(f.ExtID) {
		e.HouseholdID = f.ExtID[i]
	}
	var income float64
	var isapre bool
	switch m.Kind {
	case KindIncome:
		e.Income = &IncomeExplanation{}
		e.Value, _, isapre = c.incomeValue(f, i, e.Income)
		income = e.Value
	case KindPMT:
		var h pmtHousehold
		c.pmtFeatures(f, i, &h)
		e.Value = c.pmtValue(&h, i)
		e.PMT = c.pmtTrace(&h, i)
		income, isapre = h.perCapita, h.isapre
	}
	e.Upgrades = c.upgradeTrace(f, i, c.upgrades(f, i, income, isapre), income)
	if len(e.Upgrades) > 0 {
		e.UpgradeTo = c.upTo
	}
	if res != nil && i < res.Len() {
		n := res.Len()
		r := int(math.Round(res.Percentile[i] * float64(n) / 100))
		e.Rank = &RankExplanation{Households: n, Percentile: res.Percentile[i],
			RankedBracket: bracketFor(max(r, 1), n), Bracket: res.Bracket[i], Poorest5: res.Poorest5[i]}
		if i < len(res.Tie1) && i < len(res.Tie2) {
			e.Rank.Keys = []float64{res.Value[i], res.Tie1[i], res.Tie2[i]}
		}
	}
	return e
}

// memberTrace records member j's part in an income value.
func (c *compiled) memberTrace(f *registry.Frame, j, lo int, student bool, counted, ageW, condW float64) MemberExplanation {
	me := MemberExplanation{
		Member: j - lo + 1, Relation: registry.Relation.Word(f.Relation[j]), Age: f.AgeAt(j, c.asOf),
		WorkingStudent: student && f.Labor[j] > 0, Labor: int64(f.Labor[j]), LaborCounted: counted,
		LaborExcluded: float64(f.Labor[j]) - counted,
		Pension:       int64(f.Pension[j]), Capital: int64(f.Capital[j]),
		Counted: counted + float64(f.Pension[j]) + float64(f.Capital[j]),
	}
	if ageW > 0 {
		reason := "older_adult"
		if f.BirthDay[j] > c.cutAdult {
			reason = "minor"
		}
		me.Needs = append(me.Needs, NeedsTerm{reason, ageW})
	}
	if condW > 0 {
		reason := "disability_" + registry.Severity.Word(f.Disability[j])
		if c.depW[f.Dependency[j]] > c.disW[f.Disability[j]] {
			reason = "dependency_" + registry.Severity.Word(f.Dependency[j])
		}
		me.Needs = append(me.Needs, NeedsTerm{reason, condW})
	}
	return me
}

// pmtTrace lists the terms of household i's pmt value.
func (c *compiled) pmtTrace(h *pmtHousehold, i int) *PMTExplanation {
	pe := &PMTExplanation{Intercept: c.intercept}
	for _, k := range c.numActive {
		pe.Terms = append(pe.Terms, PMTTerm{Feature: numericNames[k], Value: h.x[k],
			Weight: c.numW[k], Contribution: c.numW[k] * h.x[k]})
	}
	for _, k := range c.catActive {
		code := c.catCol[k][i]
		w := c.catW[k][code]
		pe.Terms = append(pe.Terms, PMTTerm{Feature: categoricals[k].name, Level: categoricals[k].level(code),
			Value: 1, Weight: w, Contribution: w})
	}
	slices.SortStableFunc(pe.Terms, func(a, b PMTTerm) int {
		return cmp.Compare(math.Abs(b.Contribution), math.Abs(a.Contribution))
	})
	return pe
}

// upgradeTrace lists the means tests in mask with their amounts.
func (c *compiled) upgradeTrace(f *registry.Frame, i int, mask uint8, income float64) []UpgradeExplanation {
	var out []UpgradeExplanation
	if mask&UpgradeVehicle != 0 {
		out = append(out, UpgradeExplanation{"vehicle", float64(f.Vehicle[i]), c.vehicleMin})
	}
	if mask&UpgradeProperty != 0 {
		out = append(out, UpgradeExplanation{"property", float64(f.Property[i]), c.propertyMin})
	}
	if mask&UpgradeIsapre != 0 {
		out = append(out, UpgradeExplanation{"isapre", income, int64(c.isapreMin)})
	}
	if mask&UpgradeSchoolFees != 0 {
		out = append(out, UpgradeExplanation{"school_fees", float64(f.SchoolFees[i]), c.feeMin})
	}
	return out
}
