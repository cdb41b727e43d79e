package registry

// Frame is the whole registry (or a territory's part of it) as columnar arrays:
// one slice per attribute, households in ascending internal-id order, members of
// household i at indexes MemberStart[i] ≤ j < MemberStart[i+1]. It is what the
// national-scale jobs (scoring, what-if, eligibility previews) work on: 7 million
// households fit in well under 2 GB and a pass over one column is a tight loop.
type Frame struct {
	// Household columns, len N.
	Key        []int64  // internal household key (households.id)
	ExtID      []string // household_id of the extract; filled only when asked for
	Commune    []int32  // commune index in the territory (geo.Territory.Communes)
	Region     []uint8  // region index in the territory (geo.Territory.Regions)
	Zone       []uint8
	Tenure     []uint8
	Rooms      []uint8
	Floor      []uint8
	Walls      []uint8
	Roof       []uint8
	Water      []uint8
	Sanitation []uint8
	Vehicle    []int64
	Property   []int64
	SchoolFees []int64

	// MemberStart has len N+1.
	MemberStart []int32

	// Member columns, len M (total persons).
	BirthDay   []int32 // days since 1970-01-01
	Relation   []uint8
	Sex        []uint8
	Schooling  []uint8
	InSchool   []bool
	Employed   []bool
	Labor      []int32 // monthly pesos; capped at 2^31-1 on load
	Pension    []int32
	Capital    []int32
	HealthPlan []uint8
	Disability []uint8
	Dependency []uint8
	Indigenous []bool
	Pregnant   []bool

	// memo holds values derived from a shared frame (see DerivedFromKeys); nil on a
	// frame of the caller's own.
	memo *frameMemo
}

// Len returns the number of households in the frame.
func (f *Frame) Len() int { return len(f.Key) }

// Members returns the member index range [lo, hi) of household i.
func (f *Frame) Members(i int) (lo, hi int) {
	return int(f.MemberStart[i]), int(f.MemberStart[i+1])
}

// AgeAt returns member j's age in whole years on the day asOf (days since epoch).
func (f *Frame) AgeAt(j int, asOf int32) int {
	return AgeYears(f.BirthDay[j], asOf)
}
