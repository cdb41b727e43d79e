package registry

import "time"

// Dates in frames are day numbers (days since 1970-01-01, UTC) so that ages can
// be computed for millions of people without allocating time.Time values.

// DayNumber returns t's day number.
func DayNumber(t time.Time) int32 {
	y, m, d := t.Date()
	return DaysFromCivil(y, int(m), d)
}

// DayTime returns the UTC midnight of day number n.
func DayTime(n int32) time.Time {
	y, m, d := CivilFromDays(n)
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
}

// AgeYears returns the age in completed years on day asOf of someone born on
// day born (0 if asOf is before born).
func AgeYears(born, asOf int32) int {
	by, bm, bd := CivilFromDays(born)
	ay, am, ad := CivilFromDays(asOf)
	age := ay - by
	if am < bm || (am == bm && ad < bd) {
		age--
	}
	if age < 0 {
		return 0
	}
	return age
}

// DaysFromCivil and CivilFromDays convert between proleptic Gregorian dates
// and day numbers with integer arithmetic only (H. Hinnant's algorithms);
// the synthetic generator (internal/registry/synth) uses them too.
func DaysFromCivil(y, m, d int) int32 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int32(era*146097 + doe - 719468)
}

// CivilFromDays is the inverse of DaysFromCivil.
func CivilFromDays(n int32) (y, m, d int) {
	z := int(n) + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}
