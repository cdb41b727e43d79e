package registry

import (
	"strconv"
	"time"

	"github.com/fosis/fosis/internal/platform/csvin"

	"github.com/fosis/fosis/internal/platform/natid"
	"github.com/fosis/fosis/internal/platform/rut"
)

// The national extract is two CSV files, households.csv and persons.csv, in
// the layout of docs/extract-format.md. This file writes their rows; the
// writers are allocation-free so that a national extract (millions of rows)
// is produced at disk speed.

// HouseholdColumns is the header of households.csv, in column order.
var HouseholdColumns = []string{
	"household_id", "commune_code", "zone", "tenure", "rooms",
	"floor", "walls", "roof", "water", "sanitation",
	"vehicle_value_clp", "property_value_clp", "school_fees_clp", "registered_on",
}

// PersonColumns is the header of persons.csv, in column order.
var PersonColumns = []string{
	"run", "given_names", "paternal_surname", "maternal_surname", "household_id", "relation", "sex", "birth_date",
	"schooling_years", "in_school", "employed",
	"labor_income_clp", "pension_income_clp", "capital_income_clp",
	"health_plan", "disability", "dependency", "indigenous", "pregnant",
}

// AppendHouseholdRow appends h as one households.csv line, including the
// trailing '\n', and returns the extended buffer. Enum codes are written as
// their words (an unset or unknown code as an empty field), a zero
// RegisteredOn as an empty field. Only household_id and commune_code can need
// RFC 4180 quoting; they are quoted only when they contain a comma, a double
// quote, CR or LF.
func AppendHouseholdRow(dst []byte, h *Household) []byte {
	dst = csvin.AppendField(dst, h.ID)
	dst = append(dst, ',')
	dst = csvin.AppendField(dst, h.CommuneCode)
	dst = append(dst, ',')
	dst = append(dst, Zone.Word(h.Zone)...)
	dst = append(dst, ',')
	dst = append(dst, Tenure.Word(h.Tenure)...)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, int64(h.Rooms), 10)
	dst = append(dst, ',')
	dst = append(dst, Condition.Word(h.Floor)...)
	dst = append(dst, ',')
	dst = append(dst, Condition.Word(h.Walls)...)
	dst = append(dst, ',')
	dst = append(dst, Condition.Word(h.Roof)...)
	dst = append(dst, ',')
	dst = append(dst, Water.Word(h.Water)...)
	dst = append(dst, ',')
	dst = append(dst, Sanitation.Word(h.Sanitation)...)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, h.VehicleCLP, 10)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, h.PropertyCLP, 10)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, h.SchoolFees, 10)
	dst = append(dst, ',')
	dst = appendExtractDate(dst, h.RegisteredOn)
	return append(dst, '\n')
}

// AppendPersonRow appends p as one persons.csv line, including the trailing
// '\n', and returns the extended buffer. The RUN is written in the canonical
// form of rut.Format ("12345678-5"); a RUN ≤ 0 (not set) is an empty field, as
// are a zero BirthDate and unset enum codes. Booleans are 0 or 1.
func AppendPersonRow(dst []byte, p *Person) []byte {
	return AppendPersonRowID(dst, p, nil)
}

// AppendPersonRowID is AppendPersonRow with the ID written in the canonical
// form of the scheme ids (natid.Scheme.Canonical); nil is Chile's RUN.
func AppendPersonRowID(dst []byte, p *Person, ids *natid.Scheme) []byte {
	switch {
	case p.RUN <= 0:
	case ids == nil || ids.Algorithm == natid.RUN:
		// Same bytes as rut.Format(p.RUN), without the string allocation.
		dst = strconv.AppendInt(dst, p.RUN, 10)
		dst = append(dst, '-', rut.CheckDigit(p.RUN))
	default:
		dst = append(dst, ids.Canonical(p.RUN)...)
	}
	dst = append(dst, ',')
	dst = csvin.AppendField(dst, p.GivenNames)
	dst = append(dst, ',')
	dst = csvin.AppendField(dst, p.Paternal)
	dst = append(dst, ',')
	dst = csvin.AppendField(dst, p.Maternal)
	dst = append(dst, ',')
	dst = csvin.AppendField(dst, p.HouseholdID)
	dst = append(dst, ',')
	dst = append(dst, Relation.Word(p.Relation)...)
	dst = append(dst, ',')
	dst = append(dst, Sex.Word(p.Sex)...)
	dst = append(dst, ',')
	dst = appendExtractDate(dst, p.BirthDate)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, int64(p.Schooling), 10)
	dst = append(dst, ',')
	dst = appendExtractBool(dst, p.InSchool)
	dst = append(dst, ',')
	dst = appendExtractBool(dst, p.Employed)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, p.LaborCLP, 10)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, p.PensionCLP, 10)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, p.CapitalCLP, 10)
	dst = append(dst, ',')
	dst = append(dst, HealthPlan.Word(p.HealthPlan)...)
	dst = append(dst, ',')
	dst = append(dst, Severity.Word(p.Disability)...)
	dst = append(dst, ',')
	dst = append(dst, Severity.Word(p.Dependency)...)
	dst = append(dst, ',')
	dst = appendExtractBool(dst, p.Indigenous)
	dst = append(dst, ',')
	dst = appendExtractBool(dst, p.Pregnant)
	return append(dst, '\n')
}

// AppendExtractHeader appends a header row of the given columns (the
// extract writers and the synthetic generator use it).
func AppendExtractHeader(dst []byte, cols []string) []byte {
	for i, c := range cols {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = csvin.AppendField(dst, c)
	}
	return append(dst, '\n')
}

func appendExtractBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, '1')
	}
	return append(dst, '0')
}

// appendExtractDate appends t's calendar date as YYYY-MM-DD (nothing for the
// zero time).
func appendExtractDate(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return dst
	}
	y, m, d := t.Date()
	return appendExtractYMD(dst, y, int(m), d)
}

func appendExtractYMD(dst []byte, y, m, d int) []byte {
	if y < 0 || y > 9999 {
		dst = strconv.AppendInt(dst, int64(y), 10)
	} else {
		dst = append(dst, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10))
	}
	return append(dst, '-', byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10))
}
