package registry

import "time"

// Household is one row of the social registry: people who live in the same
// dwelling and share a food budget, with the dwelling's attributes and the
// household-level means-test signals.
type Household struct {
	ID           string // household_id of the extract; unique
	CommuneCode  string // official 5-digit commune code
	Zone         uint8
	Tenure       uint8
	Rooms        int
	Floor        uint8 // Condition code
	Walls        uint8 // Condition code
	Roof         uint8 // Condition code
	Water        uint8
	Sanitation   uint8
	VehicleCLP   int64 // fiscal value of the household's vehicles, whole pesos
	PropertyCLP  int64 // fiscal value of the household's real estate, whole pesos
	SchoolFees   int64 // monthly school fees, whole pesos
	RegisteredOn time.Time
	Members      []Person
}

// Person is one member of a household. Health plan, disability, dependency,
// indigenous identity and pregnancy are sensitive data (Ley 21.719): they are
// shown only to roles that need them and every read of them is logged.
type Person struct {
	RUN         int64 // RUN body without check digit; the check digit is derived
	GivenNames  string
	Paternal    string // paternal surname (first surname)
	Maternal    string // maternal surname (second surname; may be empty)
	HouseholdID string
	Relation    uint8
	Sex         uint8
	BirthDate   time.Time
	Schooling   int // years
	InSchool    bool
	Employed    bool
	LaborCLP    int64 // monthly, 12-month average
	PensionCLP  int64
	CapitalCLP  int64
	HealthPlan  uint8 // sensitive
	Disability  uint8 // sensitive; Severity code
	Dependency  uint8 // sensitive; Severity code
	Indigenous  bool  // sensitive
	Pregnant    bool  // sensitive
}
