package registry

import (
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

// TestPersonRows: a person reads back from personRows as it was added, with
// strings that hold no byte of the line they came from, even when only one
// of them is not empty.
func TestPersonRows(t *testing.T) {
	line := "Ana María,Núñez,Pérez,H0000007,extra columns that must not stay in memory"
	within := func(s string) bool {
		if s == "" {
			return false
		}
		p, lo := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(line)))
		return p >= lo && p < lo+uintptr(len(line))
	}
	born := time.Date(1985, 3, 20, 0, 0, 0, 0, time.UTC)
	in := []Person{
		{RUN: 12345678, GivenNames: line[0:10], Paternal: line[11:17], Maternal: line[18:24], HouseholdID: line[25:33], Relation: RelHead, Sex: 2,
			BirthDate: born, Schooling: 12, InSchool: true, Employed: false, LaborCLP: 650000, PensionCLP: 1, CapitalCLP: -2,
			HealthPlan: 3, Disability: 1, Dependency: 2, Indigenous: true, Pregnant: true},
		{RUN: 20000003, Paternal: line[11:17], BirthDate: born.AddDate(30, 0, 0), Employed: true},
		{},
	}
	var r personRows
	for _, p := range in {
		r.add(p)
	}
	if r.len() != len(in) {
		t.Fatalf("len %d", r.len())
	}
	for k, want := range in {
		got := r.at(k)
		if k == 2 {
			want.BirthDate = DayTime(DayNumber(time.Time{})) // the zero time, as a day
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("person %d (-want +got):\n%s", k, diff)
		}
		for _, s := range []string{got.GivenNames, got.Paternal, got.Maternal, got.HouseholdID} {
			if within(s) {
				t.Errorf("person %d: %q still points into the line", k, s)
			}
		}
		if r.householdID(k) != want.HouseholdID || r.relation(k) != want.Relation {
			t.Errorf("person %d: household %q, relation %d", k, r.householdID(k), r.relation(k))
		}
	}
	// A refused row may hold anything; what is kept is cut, not wrong.
	huge := strings.Repeat("x", 70000)
	r.add(Person{GivenNames: huge, Paternal: huge, Maternal: huge, HouseholdID: "H1"})
	if got := r.at(3); len(got.GivenNames) != maxField || len(got.Maternal) != maxField || got.HouseholdID != "H1" {
		t.Errorf("a huge row: %d, %d, %q", len(got.GivenNames), len(got.Maternal), got.HouseholdID)
	}
}
