package targeting

import (
	"math"
	"strconv"

	"github.com/fosis/fosis/internal/registry"
)

// The feature catalogue of pmt models. It is fixed: a model may weight any of
// these and nothing else. Adults are members aged 18 or more; the head is the
// first member whose relation is head (or the first member if none is).
// Shares and per-person ratios of a household without members are 0.
const (
	featMembers             = iota // number of members
	featMinors                     // members under 18
	featOlderAdults                // members aged older_adult_age or more
	featShareMinors                // minors / members
	featShareOlderAdults           // older_adults / members
	featHeadSchooling              // head's years of schooling
	featMeanAdultSchooling         // mean years of schooling of adults (0 without adults)
	featEmployedAdults             // adults who work
	featShareAdultsEmployed        // employed_adults / adults (0 without adults)
	featRoomsPerPerson             // rooms / members
	featLogPerCapitaIncome         // ln(1 + monthly labour+pension+capital income / members); 0 if income ≤ 0
	featDisability                 // members with moderate or severe disability
	featDependency                 // members with moderate or severe dependency
	featPregnant                   // pregnant members
	featHeadFemale                 // 1 if the head's sex is F, else 0
	featHeadAge                    // head's age in years on the scoring date
	numNumeric
)

var numericNames = [numNumeric]string{
	"members", "minors", "older_adults", "share_minors", "share_older_adults",
	"head_schooling_years", "mean_adult_schooling_years", "employed_adults",
	"share_adults_employed", "rooms_per_person", "log_per_capita_income",
	"members_with_disability", "members_with_dependency", "pregnant_members",
	"head_female", "head_age",
}

// categorical describes one categorical feature: its name, the frame column
// holding its code, and its levels (the enum words, or region numbers).
type categorical struct {
	name   string
	column func(f *registry.Frame) []uint8
	enum   *registry.Enum // nil for region
}

var categoricals = []categorical{
	{"zone", func(f *registry.Frame) []uint8 { return f.Zone }, &registry.Zone},
	{"tenure", func(f *registry.Frame) []uint8 { return f.Tenure }, &registry.Tenure},
	{"water", func(f *registry.Frame) []uint8 { return f.Water }, &registry.Water},
	{"sanitation", func(f *registry.Frame) []uint8 { return f.Sanitation }, &registry.Sanitation},
	{"floor", func(f *registry.Frame) []uint8 { return f.Floor }, &registry.Condition},
	{"walls", func(f *registry.Frame) []uint8 { return f.Walls }, &registry.Condition},
	{"roof", func(f *registry.Frame) []uint8 { return f.Roof }, &registry.Condition},
	{"region", func(f *registry.Frame) []uint8 { return f.Region }, nil},
}

// NumericFeatures returns the names of the numeric features a pmt model may
// weight, in catalogue order.
func NumericFeatures() []string {
	return append([]string(nil), numericNames[:]...)
}

// CategoricalFeatures returns the names of the categorical features a pmt
// model may weight, in catalogue order. Their levels are the words of the
// matching registry enum (zone, tenure, water, sanitation; floor, walls and
// roof use the condition words), and for region the region number in
// decimal, "1" to "255".
func CategoricalFeatures() []string {
	names := make([]string, len(categoricals))
	for k, c := range categoricals {
		names[k] = c.name
	}
	return names
}

func numericIndex(name string) int {
	for k, n := range numericNames {
		if n == name {
			return k
		}
	}
	return -1
}

func categoricalIndex(name string) int {
	for k, c := range categoricals {
		if c.name == name {
			return k
		}
	}
	return -1
}

// levelCode returns the code of level in categorical feature c, or 0 if the
// level is unknown.
func (c categorical) levelCode(level string) uint8 {
	if c.enum == nil {
		n, err := strconv.Atoi(level)
		if err != nil || n < 1 || n > 255 || strconv.Itoa(n) != level {
			return 0
		}
		return uint8(n)
	}
	code, err := c.enum.Parse(level)
	if err != nil {
		return 0
	}
	return code
}

// level returns the word of code in categorical feature c ("" if unset).
func (c categorical) level(code uint8) string {
	if c.enum == nil {
		if code == 0 {
			return ""
		}
		return strconv.Itoa(int(code))
	}
	return c.enum.Word(code)
}

// levelsHint lists the allowed levels for an error message.
func (c categorical) levelsHint() string {
	if c.enum == nil {
		return "a region number from 1 to 255"
	}
	s := ""
	for i, w := range c.enum.Words[1:] {
		if i > 0 {
			s += ", "
		}
		s += w
	}
	return s
}

// pmtHousehold holds what one pass over a household's members yields for a
// pmt model: the numeric features and the means-test inputs.
type pmtHousehold struct {
	x         [numNumeric]float64
	perCapita float64 // monthly income per member, for the isapre test
	isapre    bool
}

// pmtFeatures computes household i's numeric features into h.
func (c *compiled) pmtFeatures(f *registry.Frame, i int, h *pmtHousehold) {
	lo, hi := f.Members(i)
	var minors, older, adults, employed, disab, dep, pregnant int
	var adultSchool, income float64
	head := -1
	isapre := false
	for j := lo; j < hi; j++ {
		born := f.BirthDay[j]
		if born > c.cutAdult {
			minors++
		} else {
			adults++
			adultSchool += float64(f.Schooling[j])
			if f.Employed[j] {
				employed++
			}
			if born <= c.cutOlder {
				older++
			}
		}
		if f.Disability[j] >= registry.SevModerate {
			disab++
		}
		if f.Dependency[j] >= registry.SevModerate {
			dep++
		}
		if f.Pregnant[j] {
			pregnant++
		}
		if f.HealthPlan[j] == registry.HealthIsapre {
			isapre = true
		}
		if head < 0 && f.Relation[j] == registry.RelHead {
			head = j
		}
		income += float64(f.Labor[j]) + float64(f.Pension[j]) + float64(f.Capital[j])
	}
	n := hi - lo
	if head < 0 && n > 0 {
		head = lo
	}
	x := &h.x
	*x = [numNumeric]float64{}
	x[featMembers] = float64(n)
	x[featMinors] = float64(minors)
	x[featOlderAdults] = float64(older)
	x[featEmployedAdults] = float64(employed)
	x[featDisability] = float64(disab)
	x[featDependency] = float64(dep)
	x[featPregnant] = float64(pregnant)
	h.perCapita = 0
	if n > 0 {
		fn := float64(n)
		x[featShareMinors] = float64(minors) / fn
		x[featShareOlderAdults] = float64(older) / fn
		x[featRoomsPerPerson] = float64(f.Rooms[i]) / fn
		h.perCapita = income / fn
		if h.perCapita > 0 {
			x[featLogPerCapitaIncome] = math.Log1p(h.perCapita)
		}
	}
	if adults > 0 {
		x[featMeanAdultSchooling] = adultSchool / float64(adults)
		x[featShareAdultsEmployed] = float64(employed) / float64(adults)
	}
	if head >= 0 {
		x[featHeadSchooling] = float64(f.Schooling[head])
		if f.Sex[head] == registry.SexF {
			x[featHeadFemale] = 1
		}
		if c.needHeadAge {
			x[featHeadAge] = float64(f.AgeAt(head, c.asOf))
		}
	}
	h.isapre = isapre
}
