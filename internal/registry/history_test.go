package registry

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRecordRoundTrip(t *testing.T) {
	d := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	h := &Household{CommuneCode: "13101", Zone: ZoneRural, Tenure: 2, Rooms: 50, Floor: CondPoor, Walls: CondGood, Roof: CondFair,
		Water: 5, Sanitation: 4, VehicleCLP: maxMoney, PropertyCLP: 0, SchoolFees: 123456, RegisteredOn: d("1890-01-01"),
		Members: []Person{
			{RUN: 99_999_999, Relation: RelChild, Sex: SexX, BirthDate: d("2026-11-01"), Schooling: 30, InSchool: true,
				LaborCLP: maxMoney, PensionCLP: 1, CapitalCLP: 2, HealthPlan: HealthOther, Disability: SevSevere, Dependency: SevMild,
				Indigenous: true, Pregnant: true},
			{RUN: 1, Relation: RelHead, Sex: SexF, BirthDate: d("1950-02-28"), Employed: true, HealthPlan: HealthFonasaA,
				Disability: SevNone, Dependency: SevNone},
		}}
	rec := encodeRecord(nil, h)
	got, err := decodeRecord(rec)
	if err != nil {
		t.Fatal(err)
	}
	// Members come back in RUN order, whatever order they went in.
	want := *h
	want.Members = []Person{h.Members[1], h.Members[0]}
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if digest(rec) != digest(encodeRecord(nil, &want)) {
		t.Error("the same household in another member order has another digest")
	}
	changed := want
	changed.Rooms = 49
	if digest(encodeRecord(nil, &changed)) == digest(rec) {
		t.Error("a changed household has the same digest")
	}
	for n := range rec {
		if _, err := decodeRecord(rec[:n]); err == nil {
			t.Errorf("a record cut to %d bytes decodes", n)
		}
	}
	if _, err := decodeRecord(append(rec, 0)); err == nil {
		t.Error("a record with a trailing byte decodes")
	}
}

// FuzzDecodeRecord: any bytes decode without panicking, and whatever decodes
// encodes back to the same bytes.
func FuzzDecodeRecord(f *testing.F) {
	f.Add(encodeRecord(nil, &Household{CommuneCode: "13101", Members: []Person{{RUN: 12345678}}}))
	f.Add([]byte{1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := decodeRecord(b)
		if err != nil {
			return
		}
		again, err := decodeRecord(encodeRecord(nil, h))
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if diff := cmp.Diff(h, again); diff != "" {
			t.Errorf("re-encoding changed the record:\n%s", diff)
		}
	})
}
