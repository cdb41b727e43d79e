package targeting

import (
	"math"
	"time"

	"github.com/fosis/fosis/internal/registry"
)

// Reasons of a means-test upgrade, as bits of Results.Upgrade: a household
// records every test it failed, not only the first.
const (
	UpgradeVehicle    uint8 = 1 << iota // vehicles valued at or above the threshold
	UpgradeProperty                     // real estate valued at or above the threshold
	UpgradeIsapre                       // an isapre member and income at or above the threshold
	UpgradeSchoolFees                   // monthly school fees at or above the threshold
)

var upgradeNames = [...]string{"vehicle", "property", "isapre", "school_fees"}

// UpgradeReasons returns the reason codes set in an upgrade mask, in bit
// order: "vehicle", "property", "isapre", "school_fees".
func UpgradeReasons(mask uint8) []string {
	var out []string
	for b, name := range upgradeNames {
		if mask&(1<<b) != 0 {
			out = append(out, name)
		}
	}
	return out
}

// eqTableSize bounds the household sizes whose equivalence divisor is
// precomputed; math.Pow per household would dominate the income loop.
const eqTableSize = 64

// compiled is a valid model bound to a frame and a scoring date, turned into
// the lookup tables the per-household functions read.
type compiled struct {
	kind Kind
	asOf int32
	// A member born on or before cutX is at least X years old on asOf.
	cutAdult, cutOlder, cutStudentOver int32

	// income: amounts in whole pesos and needs weights in thousandths, so
	// that a household's sums are exact and cannot depend on the order in
	// which its members are listed
	exempt     int64
	eqExp      float64
	eqDiv      [eqTableSize]float64
	needMinor  int64
	needOlder  int64
	disW, depW [256]int64 // by severity code
	proxy      *compiled  // the proxy-means model of the third ranking key

	// pmt
	intercept   float64
	numActive   []int // weighted numeric features, catalogue order
	numW        [numNumeric]float64
	catActive   []int // weighted categorical features, catalogue order
	catW        [][256]float64
	catCol      [][]uint8
	needHeadAge bool

	// means test
	upTo                                   uint8 // 0: no means test
	vehicleOn, propertyOn, isapreOn, feeOn bool
	vehicleMin, propertyMin, feeMin        int64
	isapreMin                              float64
}

// compile prepares m, which must be valid, for scoring f on day asOf.
func compile(m *Model, f *registry.Frame, asOf int32) *compiled {
	c := &compiled{kind: m.Kind, asOf: asOf, cutAdult: ageCut(asOf, 18)}
	switch m.Kind {
	case KindIncome:
		p := m.Income
		c.cutOlder = ageCut(asOf, p.OlderAdultAge)
		c.cutStudentOver = ageCut(asOf, p.StudentAgeMax+1)
		c.exempt = int64(math.Round(p.StudentExemptWages * float64(p.MinimumWageCLP)))
		c.eqExp = p.EquivalenceExponent
		c.eqDiv[0] = 1 // a household without members divides by 1
		for n := 1; n < eqTableSize; n++ {
			c.eqDiv[n] = math.Pow(float64(n), p.EquivalenceExponent)
		}
		c.needMinor, c.needOlder = milli(p.Needs.Minor), milli(p.Needs.OlderAdult)
		c.disW[registry.SevModerate], c.disW[registry.SevSevere] = milli(p.Needs.DisabilityModerate), milli(p.Needs.DisabilitySevere)
		c.depW[registry.SevModerate], c.depW[registry.SevSevere] = milli(p.Needs.DependencyModerate), milli(p.Needs.DependencySevere)
		c.proxy = compile(proxyModel(), f, asOf)
	case KindPMT:
		p := m.PMT
		c.cutOlder = ageCut(asOf, p.OlderAdultAge)
		c.intercept = p.Intercept
		for k, name := range numericNames {
			if w := p.Numeric[name]; w != 0 {
				c.numW[k] = w
				c.numActive = append(c.numActive, k)
			}
		}
		c.needHeadAge = c.numW[featHeadAge] != 0
		c.catW = make([][256]float64, len(categoricals))
		c.catCol = make([][]uint8, len(categoricals))
		for k, cat := range categoricals {
			levels, ok := p.Categorical[cat.name]
			if !ok {
				continue
			}
			for level, w := range levels {
				c.catW[k][cat.levelCode(level)] = w
			}
			c.catW[k][0] = 0 // an unset code has no level, so no weight
			c.catActive = append(c.catActive, k)
			c.catCol[k] = cat.column(f)
		}
	}
	if mt := m.MeansTest; mt != nil {
		c.upTo = uint8(mt.UpgradeToBracket)
		c.vehicleOn, c.vehicleMin = threshold(mt.VehicleMinCLP)
		c.propertyOn, c.propertyMin = threshold(mt.PropertyMinCLP)
		c.feeOn, c.feeMin = threshold(mt.SchoolFeesMinCLP)
		var isapreMin int64
		c.isapreOn, isapreMin = threshold(mt.IsapreMinIncomeCLP)
		c.isapreMin = float64(isapreMin)
	}
	return c
}

func threshold(p *int64) (bool, int64) {
	if p == nil {
		return false, 0
	}
	return true, *p
}

// ageCut returns the last birth day of someone who is at least years old on
// day asOf, so that age ≥ years ⇔ born ≤ ageCut(asOf, years) with the same
// meaning as registry.AgeYears, and no date arithmetic per member.
func ageCut(asOf int32, years int) int32 {
	y, m, d := registry.DayTime(asOf).Date()
	y -= years
	if m == time.February && d == 29 && !isLeap(y) {
		d = 28
	}
	return registry.DayNumber(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// milli returns a needs weight in thousandths (Validate allows no finer
// weight).
func milli(w float64) int64 { return int64(math.Round(w * 1000)) }

// The precision of the ranking keys: each key is rounded to a whole number
// of these units before ranking, so that what is ranked is exactly what a
// run stores and exports (see docs/scorecard.md, "Ranking keys").
const (
	pesoUnits  = 100   // pesos to the cent: income values and per-capita income
	pointUnits = 10000 // pmt points to four decimals: pmt values and the proxy-means score
	needsUnits = 1000  // the needs index to three decimals (exact: weights are thousandths)
)

// quantize rounds v to the nearest multiple of 1/units (halves up). The
// result is the float64 nearest to k/units, which is also what parsing its
// shortest decimal text gives back, so an exported key reads back exactly.
func quantize(v float64, units float64) float64 {
	return math.Floor(v*units+0.5) / units
}

// divisor returns the equivalence divisor n^e (1 for an empty household).
func (c *compiled) divisor(n int) float64 {
	if n < eqTableSize {
		return c.eqDiv[n]
	}
	return math.Pow(float64(n), c.eqExp)
}

// keys are a household's ranking keys, lexicographic, each oriented so that
// lower is more vulnerable: the model's value, then the kind's two
// tie-breakers (see docs/scorecard.md, "Ranking keys").
type keys struct{ value, tie1, tie2 float64 }

// score returns household i's ranking keys and upgrade mask. It is the hot
// path: no allocation, one pass over the members. An income model's third
// key is left 0 here: rank asks proxyScore for it only for the households
// that tie on the first two keys.
func (c *compiled) score(f *registry.Frame, i int) (keys, uint8) {
	if c.kind == KindIncome {
		v, needs, isapre := c.incomeValue(f, i, nil)
		k := keys{v, -float64(needs) / needsUnits, 0}
		return k, c.upgrades(f, i, v, isapre)
	}
	var h pmtHousehold
	c.pmtFeatures(f, i, &h)
	k := keys{c.pmtValue(&h, i), quantize(h.perCapita, pesoUnits), 0}
	return k, c.upgrades(f, i, h.perCapita, h.isapre)
}

// proxyScore returns household i's proxy-means score, the third ranking key
// of an income model (the value of ProxyModelID).
func (c *compiled) proxyScore(f *registry.Frame, i int) float64 {
	var h pmtHousehold
	c.proxy.pmtFeatures(f, i, &h)
	return c.proxy.pmtValue(&h, i)
}

// incomeValue returns household i's corrected equivalent income, its needs
// index in thousandths and whether any member has an isapre plan. The
// members' income (whole pesos) and needs weights (thousandths) are summed
// in integers, so the value is a function of the household's members and
// not of the order in which they are listed; it is then rounded to the cent
// (pesoUnits). With tr non-nil it also records how the value was reached
// (for Explain); the arithmetic is the same either way.
func (c *compiled) incomeValue(f *registry.Frame, i int, tr *IncomeExplanation) (float64, int64, bool) {
	lo, hi := f.Members(i)
	var total int64
	needs := int64(needsUnits)
	isapre := false
	for j := lo; j < hi; j++ {
		born := f.BirthDay[j]
		labor := int64(f.Labor[j])
		counted := labor
		student := f.InSchool[j] && born > c.cutStudentOver
		if student && labor > 0 {
			counted = max(0, labor-c.exempt)
		}
		total += counted + int64(f.Pension[j]) + int64(f.Capital[j])
		var ageW int64
		if born > c.cutAdult {
			ageW = c.needMinor
		} else if born <= c.cutOlder {
			ageW = c.needOlder
		}
		condW := max(c.disW[f.Disability[j]], c.depW[f.Dependency[j]])
		needs += ageW + condW
		if f.HealthPlan[j] == registry.HealthIsapre {
			isapre = true
		}
		if tr != nil {
			tr.Members = append(tr.Members, c.memberTrace(f, j, lo, student, float64(counted),
				float64(ageW)/needsUnits, float64(condW)/needsUnits))
		}
	}
	n := hi - lo
	div := c.divisor(n)
	eq := float64(total) / div
	v := quantize(eq*needsUnits/float64(needs), pesoUnits)
	if tr != nil {
		tr.Size, tr.CountedIncome, tr.EquivalenceExponent = n, float64(total), c.eqExp
		tr.EquivalenceDivisor, tr.EquivalentIncome, tr.NeedsIndex, tr.CorrectedIncome = div, eq, float64(needs)/needsUnits, v
		for _, mt := range tr.Members {
			tr.ExcludedIncome += mt.LaborExcluded
		}
	}
	return v, needs, isapre
}

// pmtValue returns the pmt value of household i from its features, summed
// in the catalogue's fixed order and rounded to pointUnits.
func (c *compiled) pmtValue(h *pmtHousehold, i int) float64 {
	v := c.intercept
	for _, k := range c.numActive {
		v += c.numW[k] * h.x[k]
	}
	for _, k := range c.catActive {
		v += c.catW[k][c.catCol[k][i]]
	}
	return quantize(v, pointUnits)
}

// upgrades returns the means-test mask of household i; income is the value
// the isapre test compares (see MeansTest).
func (c *compiled) upgrades(f *registry.Frame, i int, income float64, isapre bool) uint8 {
	if c.upTo == 0 {
		return 0
	}
	var u uint8
	if c.vehicleOn && f.Vehicle[i] > 0 && f.Vehicle[i] >= c.vehicleMin {
		u |= UpgradeVehicle
	}
	if c.propertyOn && f.Property[i] > 0 && f.Property[i] >= c.propertyMin {
		u |= UpgradeProperty
	}
	if c.isapreOn && isapre && income >= c.isapreMin {
		u |= UpgradeIsapre
	}
	if c.feeOn && f.SchoolFees[i] > 0 && f.SchoolFees[i] >= c.feeMin {
		u |= UpgradeSchoolFees
	}
	return u
}
