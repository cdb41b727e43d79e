package registry

import "strings"

// personRows keeps an extract's persons while it is imported, in about 110
// bytes each where a Person and its four strings took some 200: a national
// extract holds about 20 million persons, all in memory at once (the rules
// that span rows need them), so this is most of an import's memory. at
// gives a person back as a Person.
type personRows struct {
	run   []int64
	text  []string    // given names, paternal and maternal surnames and household id, one after the other, in one allocation
	lens  [][3]uint16 // the lengths in text of the given names and the two surnames (the household id is the rest)
	birth []int32     // day number
	money [][3]int64  // labor, pension and capital income
	small []personSmall
}

// personSmall are a person's one-byte fields.
type personSmall struct {
	relation, sex, schooling, healthPlan, disability, dependency uint8
	flags                                                        uint8 // inSchool, employed, indigenous, pregnant
}

const (
	flagInSchool = 1 << iota
	flagEmployed
	flagIndigenous
	flagPregnant
)

// maxField bounds each stored string. Only a row already refused can hold
// a longer one (names have at most 100 characters, household ids 64 bytes),
// and its problems were written when it was read.
const maxField = 1<<16 - 1

func newPersonRows(capacity int) personRows {
	return personRows{run: make([]int64, 0, capacity), text: make([]string, 0, capacity), lens: make([][3]uint16, 0, capacity),
		birth: make([]int32, 0, capacity), money: make([][3]int64, 0, capacity), small: make([]personSmall, 0, capacity)}
}

func (r *personRows) len() int { return len(r.run) }

// add appends p, copying its strings out of whatever they point into (the
// CSV record's whole line, which would otherwise stay in memory with them).
func (r *personRows) add(p Person) {
	parts := [4]string{p.GivenNames, p.Paternal, p.Maternal, p.HouseholdID}
	var lens [3]uint16
	n := 0
	for i := range parts {
		parts[i] = parts[i][:min(len(parts[i]), maxField)]
		n += len(parts[i])
		if i < 3 {
			lens[i] = uint16(len(parts[i]))
		}
	}
	// A Builder, not a concatenation: with one non-empty operand the runtime
	// returns that operand itself, still inside its line.
	var sb strings.Builder
	sb.Grow(n)
	for _, s := range parts {
		sb.WriteString(s)
	}
	var f uint8
	for bit, on := range [4]bool{p.InSchool, p.Employed, p.Indigenous, p.Pregnant} {
		if on {
			f |= 1 << bit
		}
	}
	r.run = append(r.run, p.RUN)
	r.text = append(r.text, sb.String())
	r.lens = append(r.lens, lens)
	r.birth = append(r.birth, DayNumber(p.BirthDate))
	r.money = append(r.money, [3]int64{p.LaborCLP, p.PensionCLP, p.CapitalCLP})
	r.small = append(r.small, personSmall{relation: p.Relation, sex: p.Sex, schooling: uint8(min(max(p.Schooling, 0), 255)),
		healthPlan: p.HealthPlan, disability: p.Disability, dependency: p.Dependency, flags: f})
}

// householdID is person k's household id.
func (r *personRows) householdID(k int) string {
	l := r.lens[k]
	return r.text[k][int(l[0])+int(l[1])+int(l[2]):]
}

// relation is person k's relation to the head.
func (r *personRows) relation(k int) uint8 { return r.small[k].relation }

// at returns person k.
func (r *personRows) at(k int) Person {
	t, l, sm, m := r.text[k], r.lens[k], r.small[k], r.money[k]
	a, b, c := int(l[0]), int(l[0])+int(l[1]), int(l[0])+int(l[1])+int(l[2])
	return Person{RUN: r.run[k], GivenNames: t[:a], Paternal: t[a:b], Maternal: t[b:c], HouseholdID: t[c:],
		Relation: sm.relation, Sex: sm.sex, BirthDate: DayTime(r.birth[k]), Schooling: int(sm.schooling),
		InSchool: sm.flags&flagInSchool != 0, Employed: sm.flags&flagEmployed != 0,
		LaborCLP: m[0], PensionCLP: m[1], CapitalCLP: m[2],
		HealthPlan: sm.healthPlan, Disability: sm.disability, Dependency: sm.dependency,
		Indigenous: sm.flags&flagIndigenous != 0, Pregnant: sm.flags&flagPregnant != 0}
}
