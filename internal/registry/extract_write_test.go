package registry

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis/internal/platform/rut"
)

// readCSVLine parses one CSV record with encoding/csv, as a consumer would.
func readCSVLine(t *testing.T, line []byte) []string {
	t.Helper()
	if !bytes.HasSuffix(line, []byte("\n")) {
		t.Fatalf("row %q does not end with a newline", line)
	}
	if bytes.Contains(line, []byte("\r")) {
		t.Fatalf("row %q contains CR", line)
	}
	r := csv.NewReader(bytes.NewReader(line))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("encoding/csv cannot read %q: %v", line, err)
	}
	if len(recs) != 1 {
		t.Fatalf("row %q parsed into %d records, want 1", line, len(recs))
	}
	return recs[0]
}

func sampleHousehold() *Household {
	return &Household{
		ID:           "H0000042",
		CommuneCode:  "09101",
		Zone:         ZoneRural,
		Tenure:       3, // ceded
		Rooms:        2,
		Floor:        CondGood,
		Walls:        CondFair,
		Roof:         CondPoor,
		Water:        2, // well
		Sanitation:   3, // latrine
		VehicleCLP:   4_500_000,
		PropertyCLP:  0,
		SchoolFees:   35_000,
		RegisteredOn: time.Date(2016, 3, 7, 0, 0, 0, 0, time.UTC),
	}
}

func samplePerson() *Person {
	return &Person{
		RUN:         12_667_869, // check digit K
		GivenNames:  "María José",
		Paternal:    "Núñez",
		Maternal:    "O'Ryan, Soto", // a comma: quoted
		HouseholdID: "H0000042",
		Relation:    RelSpouse,
		Sex:         SexF,
		BirthDate:   time.Date(1979, 12, 31, 0, 0, 0, 0, time.UTC),
		Schooling:   12,
		InSchool:    false,
		Employed:    true,
		LaborCLP:    612_345,
		PensionCLP:  0,
		CapitalCLP:  15_000,
		HealthPlan:  HealthFonasaC,
		Disability:  SevMild,
		Dependency:  SevNone,
		Indigenous:  true,
		Pregnant:    false,
	}
}

func TestAppendHouseholdRowRoundTrip(t *testing.T) {
	got := readCSVLine(t, AppendHouseholdRow(nil, sampleHousehold()))
	want := []string{"H0000042", "09101", "rural", "ceded", "2", "good", "fair", "poor", "well", "latrine", "4500000", "0", "35000", "2016-03-07"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("household row (-want +got):\n%s", diff)
	}
	if len(got) != len(HouseholdColumns) {
		t.Errorf("row has %d fields, header %d", len(got), len(HouseholdColumns))
	}
}

func TestAppendPersonRowRoundTrip(t *testing.T) {
	p := samplePerson()
	got := readCSVLine(t, AppendPersonRow(nil, p))
	want := []string{"12667869-K", "María José", "Núñez", "O'Ryan, Soto", "H0000042", "spouse", "F", "1979-12-31", "12", "0", "1", "612345", "0", "15000", "fonasa_c", "mild", "none", "1", "0"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("person row (-want +got):\n%s", diff)
	}
	if got[0] != rut.Format(p.RUN) {
		t.Errorf("RUN written %q, rut.Format gives %q", got[0], rut.Format(p.RUN))
	}
	if len(got) != len(PersonColumns) {
		t.Errorf("row has %d fields, header %d", len(got), len(PersonColumns))
	}
}

func TestAppendRowRUNMatchesRutFormat(t *testing.T) {
	for _, body := range []int64{1, 9_868_503, 12_345_678, 16_365_637, 20_000_003, 20_000_008, 99_999_999} {
		p := samplePerson()
		p.RUN = body
		got := readCSVLine(t, AppendPersonRow(nil, p))[0]
		if want := rut.Format(body); got != want {
			t.Errorf("RUN %d written %q, want %q", body, got, want)
		}
	}
}

func TestAppendHouseholdRowQuoting(t *testing.T) {
	h := sampleHousehold()
	h.ID = `H1,"north"`
	line := AppendHouseholdRow(nil, h)
	if !bytes.HasPrefix(line, []byte(`"H1,""north""",09101,`)) {
		t.Errorf("household_id not quoted per RFC 4180: %q", line)
	}
	if got := readCSVLine(t, line)[0]; got != h.ID {
		t.Errorf("household_id round-trips as %q, want %q", got, h.ID)
	}

	p := samplePerson()
	p.HouseholdID = "a\nb"
	if got := readCSVLine(t, AppendPersonRow(nil, p))[4]; got != p.HouseholdID {
		t.Errorf("household_id with a newline round-trips as %q", got)
	}

	// Plain fields are never quoted.
	if line := AppendHouseholdRow(nil, sampleHousehold()); bytes.IndexByte(line, '"') >= 0 {
		t.Errorf("plain row was quoted: %q", line)
	}
}

func TestAppendRowsEmptyValues(t *testing.T) {
	got := readCSVLine(t, AppendHouseholdRow(nil, &Household{ID: "H1", CommuneCode: "13101"}))
	want := []string{"H1", "13101", "", "", "0", "", "", "", "", "", "0", "0", "0", ""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("unset household (-want +got):\n%s", diff)
	}
	got = readCSVLine(t, AppendPersonRow(nil, &Person{HouseholdID: "H1", Sex: 200}))
	want = []string{"", "", "", "", "H1", "", "", "", "0", "0", "0", "0", "0", "0", "", "", "", "0", "0"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("unset person (-want +got):\n%s", diff)
	}
}

func TestAppendExtractHeader(t *testing.T) {
	got := readCSVLine(t, AppendExtractHeader(nil, HouseholdColumns))
	if diff := cmp.Diff(HouseholdColumns, got); diff != "" {
		t.Errorf("household header (-want +got):\n%s", diff)
	}
	if s := string(AppendExtractHeader(nil, PersonColumns)); !strings.HasPrefix(s, "run,given_names,paternal_surname,maternal_surname,household_id,relation,sex,birth_date,") {
		t.Errorf("person header %q", s)
	}
}

func TestAppendRowsDoNotAllocate(t *testing.T) {
	h, p := sampleHousehold(), samplePerson()
	buf := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(100, func() {
		buf = AppendHouseholdRow(buf[:0], h)
		buf = AppendPersonRow(buf, p)
	})
	if allocs != 0 {
		t.Errorf("appending a household and a person allocates %.1f times, want 0", allocs)
	}
}
