package targeting

import (
	"context"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/registry"
)

// testAsOf is the scoring date of the tests: 2026-06-01.
var testAsOf = registry.DayNumber(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))

// person is a member in a test household. age is in whole years on testAsOf
// (born a little after the matching birthday); born, if set, wins.
type person struct {
	age      int
	born     int32
	rel      uint8
	sex      uint8
	school   uint8
	inSchool bool
	employed bool
	labor    int32
	pension  int32
	capital  int32
	health   uint8
	dis, dep uint8
	pregnant bool
}

// house is a test household.
type house struct {
	id                            string
	region                        uint8
	zone, tenure, rooms           uint8
	floor, walls, roof            uint8
	water, sanitation             uint8
	vehicle, property, schoolFees int64
	members                       []person
}

// buildFrame builds a Frame from literal households, members in order.
func buildFrame(t testing.TB, hs ...house) *registry.Frame {
	t.Helper()
	f := &registry.Frame{MemberStart: []int32{0}}
	for i, h := range hs {
		f.Key = append(f.Key, int64(i+1))
		f.ExtID = append(f.ExtID, h.id)
		f.Commune = append(f.Commune, int32(h.region)*1000+101)
		f.Region = append(f.Region, h.region)
		f.Zone = append(f.Zone, h.zone)
		f.Tenure = append(f.Tenure, h.tenure)
		f.Rooms = append(f.Rooms, h.rooms)
		f.Floor = append(f.Floor, h.floor)
		f.Walls = append(f.Walls, h.walls)
		f.Roof = append(f.Roof, h.roof)
		f.Water = append(f.Water, h.water)
		f.Sanitation = append(f.Sanitation, h.sanitation)
		f.Vehicle = append(f.Vehicle, h.vehicle)
		f.Property = append(f.Property, h.property)
		f.SchoolFees = append(f.SchoolFees, h.schoolFees)
		for _, p := range h.members {
			born := p.born
			if born == 0 {
				born = ageCut(testAsOf, p.age) - 30
			}
			f.BirthDay = append(f.BirthDay, born)
			f.Relation = append(f.Relation, p.rel)
			f.Sex = append(f.Sex, p.sex)
			f.Schooling = append(f.Schooling, p.school)
			f.InSchool = append(f.InSchool, p.inSchool)
			f.Employed = append(f.Employed, p.employed)
			f.Labor = append(f.Labor, p.labor)
			f.Pension = append(f.Pension, p.pension)
			f.Capital = append(f.Capital, p.capital)
			f.HealthPlan = append(f.HealthPlan, p.health)
			f.Disability = append(f.Disability, p.dis)
			f.Dependency = append(f.Dependency, p.dep)
			f.Indigenous = append(f.Indigenous, false)
			f.Pregnant = append(f.Pregnant, p.pregnant)
		}
		f.MemberStart = append(f.MemberStart, int32(len(f.BirthDay)))
	}
	return f
}

// mustScore scores f under m on testAsOf and fails the test on error.
func mustScore(t testing.TB, f *registry.Frame, m *Model) *Results {
	t.Helper()
	res, err := Score(context.Background(), f, m, testAsOf)
	if err != nil {
		t.Fatalf("Score: %v", err)
	}
	return res
}

// roomsModel is a pmt model whose value is the rooms per person, so that a
// one-member household's value is its number of rooms.
func roomsModel(mt *MeansTest) *Model {
	return &Model{ID: "rooms", Version: 1, Kind: KindPMT, Name: "rooms", Sources: []string{},
		PMT: &PMTParams{OlderAdultAge: 60, Numeric: map[string]float64{"rooms_per_person": 1},
			Categorical: map[string]map[string]float64{}},
		MeansTest: mt}
}

// valueFrame returns one-member households whose roomsModel values are vals.
func valueFrame(t testing.TB, vals ...uint8) *registry.Frame {
	t.Helper()
	hs := make([]house, len(vals))
	for i, v := range vals {
		hs[i] = house{rooms: v, region: 13, members: []person{{age: 40, rel: registry.RelHead}}}
	}
	return buildFrame(t, hs...)
}

// incomeModel returns a valid income model with no needs weights, minimum
// wage 500,000 and the given changes.
func incomeModel(change func(p *IncomeParams)) *Model {
	p := &IncomeParams{MinimumWageCLP: 500000, StudentAgeMax: 24, StudentExemptWages: 2,
		EquivalenceExponent: 0.7, OlderAdultAge: 60}
	if change != nil {
		change(p)
	}
	return &Model{ID: "test-income", Version: 1, Kind: KindIncome, Name: "test", Sources: []string{}, Income: p}
}

func ptr[T any](v T) *T { return &v }
