package registry

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/natid"
	"github.com/fosis/fosis/internal/platform/rut"
)

// HouseholdView is a household as the API and the pages show it.
type HouseholdView struct {
	Key           int64        `json:"key"`
	ID            string       `json:"household_id"`
	CommuneCode   string       `json:"commune_code"`
	CommuneName   string       `json:"commune_name"`
	RegionCode    string       `json:"region_code"`
	RegionName    string       `json:"region_name"`
	Zone          string       `json:"zone"`
	Tenure        string       `json:"tenure"`
	Rooms         int          `json:"rooms"`
	Floor         string       `json:"floor"`
	Walls         string       `json:"walls"`
	Roof          string       `json:"roof"`
	Water         string       `json:"water"`
	Sanitation    string       `json:"sanitation"`
	VehicleCLP    int64        `json:"vehicle_value_clp"`
	PropertyCLP   int64        `json:"property_value_clp"`
	SchoolFeesCLP int64        `json:"school_fees_clp"`
	RegisteredOn  string       `json:"registered_on"`
	UpdatedAt     time.Time    `json:"updated_at"`
	Members       []PersonView `json:"members,omitempty"`
	MemberCount   int          `json:"member_count"`
	// HeadName is the head of household's name, in listings (the members
	// are not listed there).
	HeadName string `json:"head_name,omitempty"`
}

// PersonView is a household member as the API shows it. Sensitive attributes
// are left out here; they are served only through access-checked, logged reads.
type PersonView struct {
	RUN        string `json:"run"`
	Name       string `json:"name"` // given names and surnames, as shown
	GivenNames string `json:"given_names"`
	Paternal   string `json:"paternal_surname"`
	Maternal   string `json:"maternal_surname"`
	Relation   string `json:"relation"`
	Sex        string `json:"sex"`
	BirthDate  string `json:"birth_date"`
	Age        int    `json:"age"`
	Schooling  int    `json:"schooling_years"`
	InSchool   bool   `json:"in_school"`
	Employed   bool   `json:"employed"`
	LaborCLP   int64  `json:"labor_income_clp"`
	PensionCLP int64  `json:"pension_income_clp"`
	CapitalCLP int64  `json:"capital_income_clp"`
}

const (
	householdColumns = `SELECT h.id, h.household_id, h.commune_code, c.name, c.region_code, r.name, h.zone, h.tenure, h.rooms,
	h.floor, h.walls, h.roof, h.water, h.sanitation, h.vehicle_value_clp, h.property_value_clp, h.school_fees_clp,
	h.registered_on, h.updated_at, h.members`
	householdFrom = `
	FROM households h JOIN communes c ON c.code = h.commune_code JOIN regions r ON r.code = c.region_code`
	householdSelect = householdColumns + householdFrom
)

func scanHousehold(sc interface{ Scan(...any) error }) (*HouseholdView, error) {
	var h HouseholdView
	var reg db.Day
	var upd db.Instant
	err := sc.Scan(&h.Key, &h.ID, &h.CommuneCode, &h.CommuneName, &h.RegionCode, &h.RegionName, &h.Zone, &h.Tenure, &h.Rooms,
		&h.Floor, &h.Walls, &h.Roof, &h.Water, &h.Sanitation, &h.VehicleCLP, &h.PropertyCLP, &h.SchoolFeesCLP,
		&reg, &upd, &h.MemberCount)
	if err != nil {
		return nil, err
	}
	h.RegisteredOn, h.UpdatedAt = reg.Format(time.DateOnly), upd.Time
	return &h, nil
}

// Household returns the household with the given extract id, with its
// members, if it is in the caller's territory.
func (s *Store) Household(ctx context.Context, id string) (*HouseholdView, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	h, _, err := s.withMembers(ctx, `h.household_id = ?`, id, false)
	if err == sql.ErrNoRows || (err == nil && !p.SeesRegion(h.RegionCode)) {
		return nil, outOfScope(fmt.Sprintf("household with id %q", id))
	}
	return h, err
}

// HouseholdFile is a household as its page shows it together with the
// one-household frame its score is explained from, read in one query and
// checked against the caller's territory. Only the registry makes one, so a
// file in hand is a household the caller may see.
type HouseholdFile struct {
	view  *HouseholdView
	frame *Frame
}

// View is the household with its members.
func (f *HouseholdFile) View() *HouseholdView { return f.view }

// Frame is the household's one-row frame (nil in a zero HouseholdFile).
func (f *HouseholdFile) Frame() *Frame { return f.frame }

// HouseholdFileByID is Household with the frame of the household's score
// inputs: the household page's and API lookup's read, one query instead of
// two.
func (s *Store) HouseholdFileByID(ctx context.Context, id string) (*HouseholdFile, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	h, f, err := s.withMembers(ctx, `h.household_id = ?`, id, true)
	if err == sql.ErrNoRows || (err == nil && !p.SeesRegion(h.RegionCode)) {
		return nil, outOfScope(fmt.Sprintf("household with id %q", id))
	}
	if err != nil {
		return nil, err
	}
	return &HouseholdFile{view: h, frame: f}, nil
}

// HouseholdByKey returns the household with the given internal key, if it
// is in the caller's territory.
func (s *Store) HouseholdByKey(ctx context.Context, key int64) (*HouseholdView, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	h, _, err := s.withMembers(ctx, `h.id = ?`, key, false)
	if err == sql.ErrNoRows || (err == nil && !p.SeesRegion(h.RegionCode)) {
		return nil, outOfScope(fmt.Sprintf("household with key %d", key))
	}
	return h, err
}

// HouseholdOfRUN returns the household a person (by RUN, any common spelling)
// belongs to, if it is in the caller's territory.
func (s *Store) HouseholdOfRUN(ctx context.Context, run string) (*HouseholdView, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	ids := s.IDScheme()
	var body int64
	var err error
	if ids.Algorithm == natid.RUN {
		body, err = rut.Parse(run) // rut's own messages, as before packs
	} else {
		body, err = ids.Parse(run)
	}
	if err != nil {
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: "invalid " + ids.Name + ": " + err.Error(),
			Fields: []fosis.FieldError{{Field: "run", Message: err.Error()}}}
	}
	var key int64
	err = s.db.QueryRowContext(ctx, `SELECT household FROM persons WHERE run = ?`, body).Scan(&key)
	notFound := outOfScope(fmt.Sprintf("person with %s %s in the registry", ids.Name, ids.Format(body)))
	if err == sql.ErrNoRows {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	h, err := s.HouseholdByKey(ctx, key)
	if fosis.ErrorCode(err) == fosis.ENOTFOUND {
		return nil, notFound
	}
	return h, err
}

// InScope returns nil if the household with the given key exists and is in
// the caller's territory, and a not-found error otherwise. Other slices call
// it before serving anything about a household.
func (s *Store) InScope(ctx context.Context, key int64) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	var region string
	err = s.db.QueryRowContext(ctx, `SELECT c.region_code FROM households h JOIN communes c ON c.code = h.commune_code WHERE h.id = ?`, key).Scan(&region)
	if err == sql.ErrNoRows || (err == nil && !p.SeesRegion(region)) {
		return outOfScope(fmt.Sprintf("household with key %d", key))
	}
	return err
}

// withMembers reads one household and its members in one query (one round
// trip: the household page is the registry's busiest read), and with
// withFrame its one-row frame too. It returns sql.ErrNoRows when no
// household matches.
func (s *Store) withMembers(ctx context.Context, where string, arg any, withFrame bool) (*HouseholdView, *Frame, error) {
	inputs := `NULL`
	if withFrame {
		inputs = `h.score_inputs`
	}
	var (
		packed             []byte
		h                  HouseholdView
		reg                db.Day
		upd                db.Instant
		p                  PersonView
		run                int64
		born               db.Day
		inSchool, employed int
	)
	today := DayNumber(time.Now().UTC())
	err := db.Each(ctx, s.db, func(rows *sql.Rows) error {
		if err := rows.Scan(&h.Key, &h.ID, &h.CommuneCode, &h.CommuneName, &h.RegionCode, &h.RegionName, &h.Zone, &h.Tenure, &h.Rooms,
			&h.Floor, &h.Walls, &h.Roof, &h.Water, &h.Sanitation, &h.VehicleCLP, &h.PropertyCLP, &h.SchoolFeesCLP,
			&reg, &upd, &h.MemberCount, &packed,
			&run, &p.GivenNames, &p.Paternal, &p.Maternal, &p.Relation, &p.Sex, &born, &p.Schooling, &inSchool, &employed, &p.LaborCLP, &p.PensionCLP, &p.CapitalCLP); err != nil {
			return err
		}
		p.RUN, p.BirthDate = s.IDScheme().Canonical(run), born.Format(time.DateOnly)
		p.Name = FullName(p.GivenNames, p.Paternal, p.Maternal)
		p.Age = AgeYears(DayNumber(born.Time), today)
		p.InSchool, p.Employed = inSchool == 1, employed == 1
		h.Members = append(h.Members, p)
		return nil
	}, householdColumns+`, `+inputs+`, pe.run, pe.given_names, pe.paternal_surname, pe.maternal_surname, pe.relation, pe.sex, pe.birth_date, pe.schooling_years,
		pe.in_school, pe.employed, pe.labor_income_clp, pe.pension_income_clp, pe.capital_income_clp`+householdFrom+`
		JOIN persons pe ON pe.household = h.id WHERE `+where+`
		ORDER BY CASE pe.relation WHEN 'head' THEN 0 WHEN 'spouse' THEN 1 ELSE 2 END, pe.birth_date, pe.run`, arg)
	if err != nil {
		return nil, nil, err
	}
	if len(h.Members) == 0 {
		return nil, nil, sql.ErrNoRows
	}
	h.RegisteredOn, h.UpdatedAt = reg.Format(time.DateOnly), upd.Time
	if !withFrame {
		return &h, nil, nil
	}
	ci, ok := s.terr.CommuneIndex(h.CommuneCode)
	if !ok {
		return nil, nil, fmt.Errorf("household %s: commune %q is not in the territory", h.ID, h.CommuneCode)
	}
	f := newFrame(1, 8)
	if err := f.appendPacked(packed); err != nil {
		return nil, nil, err
	}
	f.Key, f.Commune, f.Region, f.ExtID = append(f.Key, h.Key), append(f.Commune, int32(ci)), append(f.Region, uint8(s.terr.CommuneRegion(ci))), []string{h.ID}
	return &h, f, nil
}

// Page is one page of a keyset-paginated listing.
type Page[T any] struct {
	Items []T `json:"items"`
	// Next is the cursor of the next page ("" on the last page): pass it as
	// after= to continue.
	Next  string `json:"next,omitempty"`
	Total int64  `json:"total"`
}

// ListByCommune returns households of a commune in key order, limit at a
// time, starting after the key in the cursor.
func (s *Store) ListByCommune(ctx context.Context, commune string, after int64, limit int) (*Page[HouseholdView], error) {
	return s.ListCommune(ctx, commune, ListFilter{}, after, limit)
}
