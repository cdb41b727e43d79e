package registry_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/registry"
)

const hHeader = "household_id,commune_code,zone,tenure,rooms,floor,walls,roof,water,sanitation,vehicle_value_clp,property_value_clp,school_fees_clp,registered_on\n"
const pHeader = "run,household_id,relation,sex,birth_date,schooling_years,in_school,employed,labor_income_clp,pension_income_clp,capital_income_clp,health_plan,disability,dependency,indigenous,pregnant,given_names,paternal_surname,maternal_surname\n"

// Two valid households: H1 (head + child) and H2 (head alone).
var (
	hRowH1 = "H1,13101,urban,renter,3,good,fair,good,public_network,sewer,0,0,0,2020-05-01\n"
	hRowH2 = "H2,09101,rural,owner,2,poor,poor,fair,well,latrine,0,15000000,0,2019-01-10\n"
	pRowA  = "12.345.678-5,H1,head,F,1985-03-02,12,0,1,450000,0,0,fonasa_b,none,none,0,0,María José,Núñez,Soto\n"
	pRowB  = "20.000.003-K,H1,child,M,2012-07-09,6,1,0,0,0,0,fonasa_b,none,none,0,0,Tomás,Pérez,Núñez\n"
	pRowC  = "9.868.503-0,H2,head,M,1950-11-30,6,0,0,0,214000,0,fonasa_a,moderate,none,1,0,José Luis,Catrileo,\n"
)

func newStore(t *testing.T) (*registry.Store, *db.DB) {
	t.Helper()
	d := dbtest.Open(t)
	s := registry.NewStore(d, geo.Chile(), nil)
	if err := s.SyncTerritory(auth.WithPrincipal(context.Background(), auth.System())); err != nil {
		t.Fatal(err)
	}
	return s, d
}

func writeExtract(t *testing.T, households, persons string) registry.ImportOptions {
	t.Helper()
	dir := t.TempDir()
	h, p := filepath.Join(dir, "households.csv"), filepath.Join(dir, "persons.csv")
	if err := os.WriteFile(h, []byte(households), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(persons), 0o644); err != nil {
		t.Fatal(err)
	}
	return registry.ImportOptions{Households: h, Persons: p, Today: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
}

func readProblems(t *testing.T, path string) [][]string {
	t.Helper()
	if path == "" {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows[1:]
}

func householdIDs(t *testing.T, d *db.DB) []string {
	t.Helper()
	rows, err := d.QueryContext(auth.WithPrincipal(context.Background(), auth.System()), "SELECT household_id FROM households ORDER BY household_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	return ids
}

func TestImportBadInput(t *testing.T) {
	tests := []struct {
		name       string
		households string
		persons    string
		imported   []string // household ids in the registry afterwards
		problems   []string // "file:line:column:reason substring", in report order
	}{
		{
			name:       "valid",
			households: hHeader + hRowH1 + hRowH2, persons: pHeader + pRowA + pRowB + pRowC,
			imported: []string{"H1", "H2"},
		},
		{
			name:       "semicolons, BOM, CRLF, columns reordered, unknown column",
			households: "\ufeff" + strings.ReplaceAll(strings.ReplaceAll(hHeader+hRowH1+hRowH2, ",", ";"), "\n", "\r\n"),
			persons: "notes,household_id,run,relation,sex,birth_date,schooling_years,in_school,employed,labor_income_clp,pension_income_clp,capital_income_clp,health_plan,disability,dependency,indigenous,pregnant,maternal_surname,paternal_surname,given_names\n" +
				`"x, y",H1,12345678-5,head,F,1985-03-02,12,0,1,450000,0,0,fonasa_b,none,none,0,0,Soto,Núñez,"María José"` + "\n" +
				"z,H1,20000003-k,child,M,2012-07-09,6,1,0,0,0,0,fonasa_b,none,none,0,0,Núñez,Pérez,Tomás\n" +
				"z,H2,98685030,head,M,1950-11-30,6,0,0,0,214000,0,fonasa_a,moderate,none,1,0,,Catrileo,José Luis\n",
			imported: []string{"H1", "H2"},
		},
		{
			name:       "unknown commune rejects the household",
			households: hHeader + strings.Replace(hRowH1, "13101", "99999", 1) + hRowH2, persons: pHeader + pRowA + pRowB + pRowC,
			imported: []string{"H2"},
			problems: []string{"households.csv:2:commune_code:not an official commune code"},
		},
		{
			name:       "bad check digit rejects the person's household",
			households: hHeader + hRowH1 + hRowH2, persons: pHeader + strings.Replace(pRowB, "-K", "-1", 1) + pRowA + pRowC,
			imported: []string{"H2"},
			problems: []string{"persons.csv:2:run:check digit does not match"},
		},
		{
			name:       "RUN in two households rejects both",
			households: hHeader + hRowH1 + hRowH2, persons: pHeader + pRowA + pRowB + pRowC + strings.Replace(pRowB, "H1,child", "H2,child", 1),
			imported: nil,
			problems: []string{"persons.csv:3:run:again on line 5, household H2", "persons.csv:5:run:first on line 3, household H1"},
		},
		{
			name:       "a RUN twice in one household names it once",
			households: hHeader + hRowH1 + hRowH2, persons: pHeader + pRowA + pRowB + pRowB + pRowC,
			imported: []string{"H2"},
			problems: []string{"persons.csv:4:run:first on line 3, household H1"},
		},
		{
			name:       "a head with a negative income: the cause, not a missing head",
			households: hHeader + hRowH1 + hRowH2, persons: pHeader + strings.Replace(pRowA, "450000", "-450000", 1) + pRowB + pRowC,
			imported: []string{"H2"},
			problems: []string{"persons.csv:2:labor_income_clp:must be between"},
		},
		{
			name:       "a member whose relation cannot be read: the cause, not a missing head",
			households: hHeader + hRowH1 + hRowH2, persons: pHeader + strings.Replace(pRowA, ",head,", ",jefe,", 1) + pRowB + pRowC,
			imported: []string{"H2"},
			problems: []string{"persons.csv:2:relation:not a valid relation"},
		},
		{
			name:       "two heads",
			households: hHeader + hRowH1 + hRowH2, persons: pHeader + pRowA + strings.Replace(pRowB, "child", "head", 1) + pRowC,
			imported: []string{"H2"},
			problems: []string{"households.csv:2:relation:has 2 members with relation=head"},
		},
		{
			name:       "no head, and a household with no members at all",
			households: hHeader + hRowH1 + hRowH2, persons: pHeader + pRowB,
			imported: nil,
			problems: []string{"households.csv:2:relation:no member with relation=head", "households.csv:3:relation:no member with relation=head"},
		},
		{
			name:       "person of a household that is not in the file",
			households: hHeader + hRowH2, persons: pHeader + pRowA + pRowC,
			imported: []string{"H2"},
			problems: []string{"persons.csv:2:household_id:is not in households.csv"},
		},
		{
			name:       "duplicate household id rejects both rows",
			households: hHeader + hRowH1 + hRowH1 + hRowH2, persons: pHeader + pRowA + pRowB + pRowC,
			imported: []string{"H2"},
			problems: []string{"households.csv:2:household_id:again on line 3", "households.csv:3:household_id:first on line 2"},
		},
		{
			name:       "short person row rejects its household",
			households: hHeader + hRowH1 + hRowH2, persons: pHeader + pRowA + "20.000.003-K,H1,child\n" + pRowC,
			imported: []string{"H2"},
			problems: []string{"persons.csv:3:(row):has 3 fields"},
		},
		{
			name:       "bad values are each reported",
			households: hHeader + hRowH1 + strings.Replace(strings.Replace(hRowH2, "15000000", "15.000.000", 1), "rural", "campo", 1),
			persons:    pHeader + pRowA + pRowB + strings.Replace(strings.Replace(pRowC, "1950-11-30", "2030-01-01", 1), "214000", "-5", 1),
			imported:   []string{"H1"},
			problems: []string{"households.csv:3:zone:not a valid zone", "households.csv:3:property_value_clp:not a whole number",
				"persons.csv:4:birth_date:in the future", "persons.csv:4:pension_income_clp:must be between"},
		},
		{
			name:       "a name missing or with a control character rejects the household",
			households: hHeader + hRowH1 + hRowH2,
			persons:    pHeader + pRowA + strings.Replace(pRowB, ",Tomás,", ",,", 1) + strings.Replace(pRowC, "Catrileo", "Catri\x07leo", 1),
			imported:   nil,
			problems:   []string{"persons.csv:3:given_names:is empty", "persons.csv:4:paternal_surname:control character"},
		},
		{
			name:       "unterminated quote",
			households: hHeader + hRowH1 + hRowH2, persons: pHeader + pRowA + pRowB + `"9.868.503-0,H2,head` + "\n",
			imported: []string{"H1"},
			problems: []string{"persons.csv:4:(row):", "households.csv:3:relation:no member"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, d := newStore(t)
			opt := writeExtract(t, tt.households, tt.persons)
			sum, err := s.Import(auth.WithPrincipal(context.Background(), auth.System()), opt)
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			if diff := cmp.Diff(tt.imported, householdIDs(t, d)); diff != "" {
				t.Errorf("households in the registry (-want +got):\n%s", diff)
			}
			got := readProblems(t, sum.ErrorsPath)
			if len(got) != len(tt.problems) {
				t.Fatalf("problems = %v, want %d matching %v", got, len(tt.problems), tt.problems)
			}
			for _, want := range tt.problems {
				parts := strings.SplitN(want, ":", 4)
				found := slices.ContainsFunc(got, func(p []string) bool {
					return p[0] == parts[0] && p[1] == parts[1] && p[2] == parts[2] && strings.Contains(p[4], parts[3])
				})
				if !found {
					t.Errorf("no problem %q in report %v", want, got)
				}
			}
			checkIntegrity(t, s)
			if sum.Problems != len(got) {
				t.Errorf("summary counts %d problems, report has %d", sum.Problems, len(got))
			}
			// Every household rejected is named in the report, on its own line.
			checkRejectedNamed(t, tt.households, householdIDs(t, d), got, sum)
		})
	}
}

func TestImportHeaderErrorsWriteNothing(t *testing.T) {
	s, d := newStore(t)
	opt := writeExtract(t, strings.Replace(hHeader, "zone,", "", 1)+hRowH1, pHeader+pRowA+pRowB)
	_, err := s.Import(auth.WithPrincipal(context.Background(), auth.System()), opt)
	if fosis.ErrorCode(err) != fosis.EINVALID || !strings.Contains(err.Error(), "missing column(s): zone") {
		t.Fatalf("Import error = %v, want an invalid-header error naming zone", err)
	}
	if ids := householdIDs(t, d); len(ids) != 0 {
		t.Errorf("households written despite a bad header: %v", ids)
	}
}

func TestReimportUpdatesMovesAndRemoves(t *testing.T) {
	s, d := newStore(t)
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	first := writeExtract(t, hHeader+hRowH1+hRowH2, pHeader+pRowA+pRowB+pRowC)
	if _, err := s.Import(ctx, first); err != nil {
		t.Fatal(err)
	}
	again, err := s.Import(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if again.Inserted != 0 || again.Updated != 2 || again.PersonsMoved != 0 {
		t.Errorf("re-import of the same extract: %+v", again)
	}
	hh, persons, _ := s.Count(ctx)
	if hh != 2 || persons != 3 {
		t.Fatalf("after re-import: %d households, %d persons; want 2, 3", hh, persons)
	}
	// The child moves to H2; H1's head leaves the registry... no: she stays,
	// and a new household H3 appears.
	newer := writeExtract(t, hHeader+hRowH1+hRowH2+strings.Replace(hRowH2, "H2", "H3", 1),
		pHeader+pRowA+strings.Replace(pRowB, "H1,child", "H2,child", 1)+pRowC+"6.265.837-1,H3,head,F,1970-01-01,8,0,1,300000,0,0,fonasa_a,none,none,0,0,Rosa,Fica,Lillo\n")
	sum, err := s.Import(ctx, newer)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Inserted != 1 || sum.Updated != 2 || sum.PersonsMoved != 1 {
		t.Errorf("newer extract: %+v", sum)
	}
	h, err := s.HouseholdOfRUN(ctx, "20000003-K")
	if err != nil || h.ID != "H2" {
		t.Fatalf("child's household = %v, %v; want H2", h, err)
	}
	var from, to string
	if err := d.QueryRowContext(ctx, "SELECT from_household, to_household FROM person_moves WHERE run = 20000003").Scan(&from, &to); err != nil || from != "H1" || to != "H2" {
		t.Errorf("move recorded as %q → %q (%v), want H1 → H2", from, to, err)
	}
	// The head of H3 is dropped from H3 in the next extract (and appears nowhere).
	last := writeExtract(t, hHeader+hRowH1+hRowH2+strings.Replace(hRowH2, "H2", "H3", 1),
		pHeader+pRowA+strings.Replace(pRowB, "H1,child", "H2,child", 1)+pRowC+"6.265.837-1,H3,head,F,1970-01-01,8,0,1,300000,0,0,fonasa_a,none,none,0,0,Rosa,Fica,Lillo\n"+
			"11.111.111-1,H3,spouse,M,1971-01-01,8,0,1,300000,0,0,fonasa_a,none,none,0,0,Raúl,Mella,Toledo\n")
	if _, err := s.Import(ctx, last); err != nil {
		t.Fatal(err)
	}
	removal := writeExtract(t, hHeader+hRowH1+hRowH2+strings.Replace(hRowH2, "H2", "H3", 1),
		pHeader+pRowA+strings.Replace(pRowB, "H1,child", "H2,child", 1)+pRowC+"6.265.837-1,H3,head,F,1970-01-01,8,0,1,300000,0,0,fonasa_a,none,none,0,0,Rosa,Fica,Lillo\n")
	sum, err = s.Import(ctx, removal)
	if err != nil {
		t.Fatal(err)
	}
	if sum.PersonsRemoved != 1 {
		t.Errorf("removed = %d, want 1 (the spouse who left H3)", sum.PersonsRemoved)
	}
	if _, err := s.HouseholdOfRUN(ctx, "11.111.111-1"); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("person who left is still found: %v", err)
	}
	if rep, err := s.Integrity(ctx); err != nil || !rep.OK() {
		t.Errorf("registry integrity after re-imports: %+v, %v", rep, err)
	}
	// Every import is in the audit trail, and the chain holds.
	recs, err := audit.List(ctx, d, audit.Filter{Action: "registry.import"})
	if err != nil || len(recs) != 5 || recs[0].Actor != "system" {
		t.Errorf("audit entries of the 5 imports: %d (%v)", len(recs), err)
	}
	if rep, err := audit.Verify(ctx, d); err != nil || !rep.OK || rep.Entries != 5 {
		t.Errorf("audit verify: %+v, %v", rep, err)
	}
}

// TestScope checks that the registry itself keeps each caller inside their
// territory: a regional officer of the Metropolitan region sees H1 (Santiago)
// and nothing of H2 (Temuco) — not even that it exists.
func TestScope(t *testing.T) {
	s, _ := newStore(t)
	sys := auth.WithPrincipal(context.Background(), auth.System())
	if _, err := s.Import(sys, writeExtract(t, hHeader+hRowH1+hRowH2, pHeader+pRowA+pRowB+pRowC)); err != nil {
		t.Fatal(err)
	}
	rm := auth.WithPrincipal(context.Background(), &auth.Principal{Username: "rm", Role: auth.RoleRegional, RegionCode: "13"})
	if h, err := s.Household(rm, "H1"); err != nil || h.ID != "H1" {
		t.Fatalf("own region: %v, %v", h, err)
	}
	_, outside := s.Household(rm, "H2")
	_, missing := s.Household(rm, "H9")
	if fosis.ErrorCode(outside) != fosis.ENOTFOUND || strings.Replace(outside.Error(), "H2", "H9", 1) != missing.Error() {
		t.Errorf("other region: %v; missing: %v — they must look the same", outside, missing)
	}
	if _, err := s.HouseholdOfRUN(rm, "9.868.503-0"); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("RUN of another region: %v", err)
	}
	if _, err := s.ListByCommune(rm, "09101", 0, 10); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("commune of another region: %v", err)
	}
	if page, err := s.ListByCommune(rm, "13101", 0, 10); err != nil || page.Total != 1 {
		t.Errorf("own commune: %+v, %v", page, err)
	}
	if hh, persons, err := s.Count(rm); err != nil || hh != 1 || persons != 2 {
		t.Errorf("regional count = %d households, %d persons (%v); want 1, 2", hh, persons, err)
	}
	if err := s.InScope(rm, 2); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("InScope of another region's household: %v", err)
	}
	for name, call := range map[string]func(context.Context) error{
		"LoadFrame":   func(ctx context.Context) error { _, err := s.LoadFrame(ctx, false); return err },
		"SharedFrame": func(ctx context.Context) error { _, err := s.SharedFrame(ctx, false); return err },
		"Export":      func(ctx context.Context) error { _, err := s.Export(ctx, t.TempDir(), nil); return err },
		"Import": func(ctx context.Context) error {
			_, err := s.Import(ctx, writeExtract(t, hHeader+hRowH1, pHeader+pRowA))
			return err
		},
	} {
		if err := call(rm); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
			t.Errorf("%s as a regional officer: %v, want forbidden", name, err)
		}
		if err := call(context.Background()); fosis.ErrorCode(err) != fosis.EUNAUTHORIZED {
			t.Errorf("%s without a principal: %v, want unauthorized", name, err)
		}
	}
	auditor := auth.WithPrincipal(context.Background(), &auth.Principal{Username: "a", Role: auth.RoleAuditor})
	if _, err := s.Import(auditor, writeExtract(t, hHeader+hRowH1, pHeader+pRowA)); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("import as an auditor (read-only): %v", err)
	}
	counterpart := auth.WithPrincipal(context.Background(), &auth.Principal{Username: "c", Role: auth.RoleCounterpart})
	if _, err := s.Household(counterpart, "H1"); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("household as a partner counterpart: %v", err)
	}
}

// TestImportReportKept: the problem report of an import is kept with it and
// reads back as the CSV written beside the files; an import without problems
// has none; the list shows both, newest first; only national roles see them.
func TestImportReportKept(t *testing.T) {
	s, _ := newStore(t)
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	opt := writeExtract(t, hHeader+hRowH1+hRowH2, pHeader+pRowA+pRowB+pRowC)
	opt.Source = "prueba limpia"
	clean, err := s.Import(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	bad := writeExtract(t, hHeader+hRowH1+strings.Replace(hRowH2, "rural", "campo", 1), pHeader+pRowA+pRowB+pRowC)
	dirty, err := s.Import(ctx, bad)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := s.ImportReport(ctx, dirty.ID, &got); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(dirty.ErrorsPath)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want) || !strings.Contains(got.String(), "campo") {
		t.Errorf("kept report:\n%s\nfile:\n%s", got.String(), want)
	}
	if err := s.ImportReport(ctx, clean.ID, io.Discard); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("report of a clean import: %v", err)
	}
	page, err := s.Imports(ctx, 0, 1)
	if err != nil || len(page.Items) != 1 || page.Total != 2 || page.Next == "" {
		t.Fatalf("first page: %+v, %v", page, err)
	}
	if r := page.Items[0]; r.ID != dirty.ID || !r.HasReport || r.Problems != 1 || r.Rejected != 1 || r.FinishedAt.IsZero() {
		t.Errorf("newest import: %+v", r)
	}
	page, err = s.Imports(ctx, dirty.ID, 10)
	if err != nil || len(page.Items) != 1 || page.Items[0].Source != "prueba limpia" || page.Items[0].HasReport || page.Next != "" {
		t.Errorf("second page: %+v, %v", page, err)
	}
	rm := auth.WithPrincipal(context.Background(), &auth.Principal{Username: "rm", Role: auth.RoleRegional, RegionCode: "13"})
	if _, err := s.Imports(rm, 0, 10); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("imports as a regional officer: %v", err)
	}
	if err := s.ImportReport(rm, dirty.ID, io.Discard); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("report as a regional officer: %v", err)
	}
}

// checkRejectedNamed fails unless every household row of households (a
// households.csv) that is not in the registry is named by a problem: one on
// its own line, or one carrying its household_id; and the summary counts
// exactly those rows as rejected.
func checkRejectedNamed(t *testing.T, households string, imported []string, report [][]string, sum *registry.ImportSummary) {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(households, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rejected := 0
	for i, row := range rows[1:] {
		id := strings.Split(row[0], ";")[0]
		if slices.Contains(imported, id) {
			continue
		}
		rejected++
		line := strconv.Itoa(i + 2)
		if !slices.ContainsFunc(report, func(p []string) bool { return (p[0] == "households.csv" && p[1] == line) || p[5] == id }) {
			t.Errorf("household %s (line %s) is rejected but the report does not name it: %v", id, line, report)
		}
	}
	if sum.Rejected != rejected {
		t.Errorf("summary says %d households rejected, %d are not in the registry", sum.Rejected, rejected)
	}
}

// checkIntegrity runs the registry's integrity check (fosis registry check),
// which every import must leave clean.
func checkIntegrity(t *testing.T, s *registry.Store) {
	t.Helper()
	rep, err := s.Integrity(auth.WithPrincipal(context.Background(), auth.System()))
	if err != nil || !rep.OK() {
		t.Errorf("registry integrity after import: %+v, %v", rep, err)
	}
}
