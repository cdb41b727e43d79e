package registry

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/fosis/fosis/internal/platform/csvin"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/platform/natid"
	"github.com/fosis/fosis/internal/platform/rut"
)

// Problem is one thing wrong with an extract, located precisely enough for a
// person to find and fix it.
type Problem struct {
	File        string `json:"file"`
	Line        int    `json:"line"`
	Column      string `json:"column"`
	Value       string `json:"value"`
	Reason      string `json:"reason"`
	HouseholdID string `json:"household_id"`
}

// Column positions in HouseholdColumns / PersonColumns order.
const (
	hcID = iota
	hcCommune
	hcZone
	hcTenure
	hcRooms
	hcFloor
	hcWalls
	hcRoof
	hcWater
	hcSanitation
	hcVehicle
	hcProperty
	hcFees
	hcRegistered
)

const (
	pcRUN = iota
	pcGiven
	pcPaternal
	pcMaternal
	pcHousehold
	pcRelation
	pcSex
	pcBirth
	pcSchooling
	pcInSchool
	pcEmployed
	pcLabor
	pcPension
	pcCapital
	pcHealth
	pcDisability
	pcDependency
	pcIndigenous
	pcPregnant
)

// rowParser collects the problems of one record.
type rowParser struct {
	r        *csvin.Reader
	cols     []string
	problems []Problem
	hid      string
}

func (p *rowParser) fail(k int, reason string) {
	p.problems = append(p.problems, Problem{
		File: p.r.File, Line: p.r.Line(), Column: p.cols[k], Value: clip(p.r.Field(k)), Reason: reason, HouseholdID: clipID(p.hid),
	})
}

func (p *rowParser) enum(k int, e Enum) uint8 {
	v, err := e.Parse(p.r.Field(k))
	if err != nil {
		p.fail(k, err.Error())
	}
	return v
}

func (p *rowParser) integer(k int, lo, hi int64) int64 {
	s := p.r.Field(k)
	v, err := strconv.ParseInt(s, 10, 64)
	switch {
	case s == "":
		p.fail(k, "is empty; a whole number is required")
	case err != nil:
		p.fail(k, "is not a whole number (write pesos without dots, decimals or currency signs)")
	case v < lo || v > hi:
		p.fail(k, "must be between "+strconv.FormatInt(lo, 10)+" and "+strconv.FormatInt(hi, 10))
	}
	return v
}

func (p *rowParser) flag(k int) bool {
	switch p.r.Field(k) {
	case "0":
		return false
	case "1":
		return true
	}
	p.fail(k, "must be 0 or 1")
	return false
}

func (p *rowParser) date(k int, notAfter time.Time) time.Time {
	s := p.r.Field(k)
	t, err := time.Parse(time.DateOnly, s)
	switch {
	case err != nil:
		p.fail(k, "is not a date in the form YYYY-MM-DD")
	case t.Year() < 1890:
		p.fail(k, "is before 1890")
	case t.After(notAfter):
		p.fail(k, "is in the future")
	}
	return t
}

// maxMoney bounds money columns: 10^13 pesos is far above any real value and
// keeps sums of millions of households inside int64.
const maxMoney = 10_000_000_000_000

// parseHousehold reads the current record of r as a household.
func parseHousehold(r *csvin.Reader, terr *geo.Territory, today time.Time) (Household, []Problem) {
	p := &rowParser{r: r, cols: HouseholdColumns}
	h := Household{ID: r.Field(hcID)}
	p.hid = h.ID
	if h.ID == "" {
		p.fail(hcID, "is empty")
	} else if len(h.ID) > 64 {
		p.fail(hcID, "is longer than 64 characters")
	}
	// What is kept of the record is copied out of it (the ID) or taken
	// from the territory (the commune code): a field is a slice of its
	// record's whole line, which would otherwise stay in memory with it.
	h.ID = clipID(h.ID)
	h.CommuneCode = r.Field(hcCommune)
	if ci, ok := terr.CommuneIndex(h.CommuneCode); !ok {
		p.fail(hcCommune, "is not an official commune code of the territory ("+terr.Country+")")
		h.CommuneCode = strings.Clone(h.CommuneCode)
	} else {
		h.CommuneCode = terr.Communes[ci].Code
	}
	h.Zone = p.enum(hcZone, Zone)
	h.Tenure = p.enum(hcTenure, Tenure)
	h.Rooms = int(p.integer(hcRooms, 0, 50))
	h.Floor = p.enum(hcFloor, Condition)
	h.Walls = p.enum(hcWalls, Condition)
	h.Roof = p.enum(hcRoof, Condition)
	h.Water = p.enum(hcWater, Water)
	h.Sanitation = p.enum(hcSanitation, Sanitation)
	h.VehicleCLP = p.integer(hcVehicle, 0, maxMoney)
	h.PropertyCLP = p.integer(hcProperty, 0, maxMoney)
	h.SchoolFees = p.integer(hcFees, 0, maxMoney)
	h.RegisteredOn = p.date(hcRegistered, today)
	return h, p.problems
}

// parsePerson reads the current record of r as a person.
// Its run column is an ID of the scheme ids.
func parsePerson(r *csvin.Reader, today time.Time, ids *natid.Scheme) (Person, []Problem) {
	p := &rowParser{r: r, cols: PersonColumns}
	per := Person{HouseholdID: r.Field(pcHousehold)}
	p.hid = per.HouseholdID
	run, reason := parseID(ids, r.Field(pcRUN))
	if reason != "" {
		p.fail(pcRUN, reason)
	}
	per.RUN = run
	for _, k := range []int{pcGiven, pcPaternal, pcMaternal} {
		if reason := checkName(r.Field(k), k != pcMaternal); reason != "" {
			p.fail(k, reason)
		}
	}
	// The strings are slices of the record's line: personRows.add copies
	// them out of it.
	per.GivenNames, per.Paternal, per.Maternal = r.Field(pcGiven), r.Field(pcPaternal), r.Field(pcMaternal)
	if per.HouseholdID == "" {
		p.fail(pcHousehold, "is empty")
	}
	per.Relation = p.enum(pcRelation, Relation)
	per.Sex = p.enum(pcSex, Sex)
	per.BirthDate = p.date(pcBirth, today)
	per.Schooling = int(p.integer(pcSchooling, 0, 30))
	per.InSchool = p.flag(pcInSchool)
	per.Employed = p.flag(pcEmployed)
	per.LaborCLP = p.integer(pcLabor, 0, maxMoney)
	per.PensionCLP = p.integer(pcPension, 0, maxMoney)
	per.CapitalCLP = p.integer(pcCapital, 0, maxMoney)
	per.HealthPlan = p.enum(pcHealth, HealthPlan)
	per.Disability = p.enum(pcDisability, Severity)
	per.Dependency = p.enum(pcDependency, Severity)
	per.Indigenous = p.flag(pcIndigenous)
	per.Pregnant = p.flag(pcPregnant)
	return per, p.problems
}

// parseID reads text as an ID of the scheme ids and says, when it is not
// one, why (as a problem's reason). Chile's RUN keeps rut's own reasons.
func parseID(ids *natid.Scheme, text string) (int64, string) {
	if ids.Algorithm == natid.RUN {
		run, err := rut.Parse(text)
		if err != nil {
			return 0, runReason(err)
		}
		return run, ""
	}
	id, err := ids.Parse(text)
	switch {
	case err == nil:
		return id, ""
	case errors.Is(err, natid.ErrEmpty):
		return 0, "is empty; every person needs a " + ids.Name
	case errors.Is(err, natid.ErrCheck):
		return 0, "is not a valid " + ids.Name + ": " + err.Error()
	default:
		return 0, "is not a " + ids.Name + ": " + err.Error()
	}
}

func runReason(err error) string {
	switch {
	case errors.Is(err, rut.ErrEmpty):
		return "is empty; every person needs a RUN"
	case errors.Is(err, rut.ErrCheckDigit):
		return "is not a valid RUN: " + err.Error()
	default:
		return "is not a RUN: " + err.Error()
	}
}
