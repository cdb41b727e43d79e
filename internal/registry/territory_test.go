package registry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/registry"
)

const gtHeader = "region_code,region_name,province_code,province_name,commune_code,commune_name\n"

// gt is a small partner-country territory; extra rows are appended.
func gt(t *testing.T, source string, rows string) *geo.Territory {
	t.Helper()
	terr, err := geo.Load(strings.NewReader(gtHeader+rows), "gt")
	if err != nil {
		t.Fatal(err)
	}
	terr.Source = source
	return terr
}

const gtRows = "01,Guatemala,0101,Guatemala,0101,Ciudad de Guatemala\n" +
	"01,Guatemala,0101,Guatemala,0102,Santa Catarina Pinula\n" +
	"16,Alta Verapaz,1601,Alta Verapaz,1601,Cobán\n"

func tableCount(t *testing.T, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTerritoryRemembered: a database made with a partner country's
// territory refuses to be opened with Chile's (no --territory) or another
// file, and is left exactly as it was; the same territory opens it.
func TestTerritoryRemembered(t *testing.T) {
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	d := dbtest.Open(t)
	made := gt(t, "gt.csv", gtRows)
	s := registry.NewStore(d, made, nil)
	if err := s.SyncTerritory(ctx); err != nil {
		t.Fatal(err)
	}
	id, err := s.StoredTerritory(ctx)
	if err != nil || id == nil {
		t.Fatalf("stored territory: %v, %v", id, err)
	}
	if diff := cmp.Diff(registry.IdentityOf(made), *id); diff != "" || id.Country != "GT" || id.Source != "gt.csv" || id.Communes != 3 {
		t.Errorf("stored identity %+v (-want +got):\n%s", id, diff)
	}
	renamed := gt(t, "gt.csv", strings.Replace(gtRows, "Cobán", "Coban", 1))
	for _, tc := range []struct {
		name string
		terr *geo.Territory
		key  string
	}{
		{"no territory given: Chile's", geo.Chile(), "territory.err.missing"},
		{"another file", renamed, "territory.err.different"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := registry.NewStore(d, tc.terr, nil).SyncTerritory(ctx)
			var fe *fosis.Error
			if !errors.As(err, &fe) || fe.Code != fosis.ECONFLICT || fe.Key != tc.key || !strings.Contains(fe.Message, "GT from gt.csv (2 regions, 3 communes") {
				t.Fatalf("SyncTerritory = %v, want %s naming the database's territory", err, tc.key)
			}
			if n := tableCount(t, d, "communes"); n != 3 {
				t.Errorf("communes after a refused open: %d, want 3", n)
			}
			var name string
			if err := d.QueryRowContext(ctx, `SELECT name FROM communes WHERE code = '1601'`).Scan(&name); err != nil || name != "Cobán" {
				t.Errorf("commune 1601 is now %q (%v)", name, err)
			}
		})
	}
	// The same territory, loaded again from a file of another name, opens it.
	if err := registry.NewStore(d, gt(t, "copia.csv", gtRows), nil).SyncTerritory(ctx); err != nil {
		t.Errorf("the same territory: %v", err)
	}
}

// TestTerritoryUpdate: a change of territory shows what it adds, removes
// and renames, refuses to remove a commune households use, and once applied
// is what the database remembers.
func TestTerritoryUpdate(t *testing.T) {
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	d := dbtest.Open(t)
	s := registry.NewStore(d, gt(t, "gt.csv", gtRows), nil)
	if err := s.SyncTerritory(ctx); err != nil {
		t.Fatal(err)
	}
	opt := writeExtract(t, hHeader+strings.Replace(hRowH1, "13101", "0102", 1), pHeader+pRowA+pRowB)
	if sum, err := s.Import(ctx, opt); err != nil || sum.Inserted != 1 {
		t.Fatalf("import: %+v, %v", sum, err)
	}
	// 0102 (used) and 0101 go, 1602 comes, Cobán is renamed.
	next := gt(t, "gt-2027.csv", "16,Alta Verapaz,1601,Alta Verapaz,1601,Cobán (ciudad)\n16,Alta Verapaz,1601,Alta Verapaz,1602,Santa Cruz Verapaz\n")
	u := registry.NewStore(d, next, nil)
	plan, err := u.PlanTerritory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := &registry.TerritoryPlan{
		From: registry.IdentityOf(gt(t, "gt.csv", gtRows)), To: registry.IdentityOf(next),
		Added:           []string{"commune 1602 Santa Cruz Verapaz"},
		Removed:         []string{"region 01 Guatemala", "province 0101 Guatemala", "commune 0101 Ciudad de Guatemala", "commune 0102 Santa Catarina Pinula"},
		Changed:         []string{`commune 1601: name "Cobán" → "Cobán (ciudad)"`},
		RemovedCommunes: []string{"0101", "0102"}, RemovedProvinces: []string{"0101"}, RemovedRegions: []string{"01"},
		InUse: []string{"commune 0102: 1 households", "commune 0102: 1 household versions in the history"},
	}
	if diff := cmp.Diff(want, plan); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
	if _, err := u.ApplyTerritory(ctx); fosis.ErrorCode(err) != fosis.ECONFLICT || !strings.Contains(err.Error(), "commune 0102: 1 households") {
		t.Fatalf("apply removing a commune in use: %v", err)
	}
	if n := tableCount(t, d, "communes"); n != 3 {
		t.Errorf("communes after a refused change: %d", n)
	}
	// Keeping 0102 (moved to another province) is allowed.
	kept := gt(t, "gt-2027.csv", "16,Alta Verapaz,1601,Alta Verapaz,1601,Cobán (ciudad)\n16,Alta Verapaz,1601,Alta Verapaz,0102,Santa Catarina Pinula\n")
	u = registry.NewStore(d, kept, nil)
	other := func(_ context.Context, communes, regions []string) ([]string, error) {
		return nil, nil // nothing outside the registry uses them
	}
	if _, err := u.ApplyTerritory(ctx, other); err != nil {
		t.Fatalf("apply: %v", err)
	}
	if id, _ := u.StoredTerritory(ctx); id == nil || id.Source != "gt-2027.csv" || id.Digest != kept.Digest() {
		t.Errorf("identity after the change: %+v", id)
	}
	if n, r := tableCount(t, d, "communes"), tableCount(t, d, "regions"); n != 2 || r != 1 {
		t.Errorf("after the change: %d communes, %d regions; want 2, 1", n, r)
	}
	if err := registry.NewStore(d, gt(t, "gt.csv", gtRows), nil).SyncTerritory(ctx); fosis.ErrorCode(err) != fosis.ECONFLICT {
		t.Errorf("the old territory after the change: %v", err)
	}
	if err := u.SyncTerritory(ctx); err != nil {
		t.Errorf("the new territory after the change: %v", err)
	}
	if _, err := u.ApplyTerritory(ctx); fosis.ErrorCode(err) != fosis.ECONFLICT {
		t.Errorf("applying the same territory again: %v", err)
	}
	checkIntegrity(t, u)
}

// TestTerritoryLegacy: a database made before territories were remembered
// takes the territory it is opened with, unless its households are in
// communes that territory lacks.
func TestTerritoryLegacy(t *testing.T) {
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	d := dbtest.Open(t)
	s := registry.NewStore(d, gt(t, "gt.csv", gtRows), nil)
	if err := s.SyncTerritory(ctx); err != nil {
		t.Fatal(err)
	}
	opt := writeExtract(t, hHeader+strings.Replace(hRowH1, "13101", "0102", 1), pHeader+pRowA+pRowB)
	if _, err := s.Import(ctx, opt); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ExecContext(ctx, `DELETE FROM territory_identity`); err != nil {
		t.Fatal(err)
	}
	err := registry.NewStore(d, geo.Chile(), nil).SyncTerritory(ctx)
	if fosis.ErrorCode(err) != fosis.ECONFLICT || !strings.Contains(err.Error(), "households in 1 commune(s)") || !strings.Contains(err.Error(), "(0102)") {
		t.Fatalf("Chile over a legacy GT database: %v", err)
	}
	if n := tableCount(t, d, "communes"); n != 3 {
		t.Errorf("communes: %d, want 3", n)
	}
	if err := s.SyncTerritory(ctx); err != nil {
		t.Fatalf("GT over the legacy GT database: %v", err)
	}
	if id, _ := s.StoredTerritory(ctx); id == nil || id.Country != "GT" {
		t.Errorf("identity adopted: %+v", id)
	}
}
