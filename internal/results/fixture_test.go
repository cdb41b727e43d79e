package results_test

import (
	"bytes"
	"context"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/registry/synth"
	"github.com/fosis/fosis/internal/results"
	"github.com/fosis/fosis/internal/targeting"
)

var testToday = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func sysCtx() context.Context { return auth.WithPrincipal(context.Background(), auth.System()) }

const (
	fixtureN    = 400
	fixtureSeed = 11
	line        = "accion-en-familia"
)

// fixture: a scored synthetic registry, the catalogue, an agency holding a
// contract in the busiest commune of region 13 and of another region, a
// call over both with every head applying, its selection, every selected
// household enrolled (a case each), some cases finished.
type fixture struct {
	t        *testing.T
	d        *db.DB
	reg      *registry.Store
	prog     *programs.Store
	dl       *delivery.Store
	st       *results.Store
	truth    []byte
	own      string // commune of region 13
	other    string // commune of the other region
	otherReg string
	ctx      map[string]context.Context
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := sysCtx()
	d := dbtest.Open(t)
	reg := registry.NewStore(d, geo.Chile(), nil)
	if err := reg.SyncTerritory(ctx); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := synth.GenerateDir(ctx, dir, synth.Options{Households: fixtureN, Seed: fixtureSeed}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Import(ctx, registry.ImportOptions{Households: filepath.Join(dir, "households.csv"), Persons: filepath.Join(dir, "persons.csv")}); err != nil {
		t.Fatal(err)
	}
	var truth bytes.Buffer
	if _, err := synth.Generate(ctx, synth.Options{Households: fixtureN, Seed: fixtureSeed}, &bytes.Buffer{}, &bytes.Buffer{}, &truth, nil); err != nil {
		t.Fatal(err)
	}
	tgt := targeting.NewStore(d, reg, nil)
	out, err := tgt.ScoreAll(ctx, targeting.DefaultModel(), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	prog := programs.NewStore(d, reg, tgt, nil)
	if _, err := prog.SeedCatalogue(ctx); err != nil {
		t.Fatal(err)
	}
	dl := delivery.NewStore(d, prog, reg, nil, func() time.Time { return testToday })
	if _, err := dl.SeedMethodologies(ctx); err != nil {
		t.Fatal(err)
	}
	prog.OnEnrol(dl.OnEnrol)
	f := &fixture{t: t, d: d, reg: reg, prog: prog, dl: dl, st: results.NewStore(d, prog, dl, reg, tgt, nil, func() time.Time { return testToday }),
		truth: truth.Bytes(), ctx: map[string]context.Context{}}

	// The busiest commune of region 13 and of the busiest other region.
	terr := reg.Territory()
	heads := map[string][]string{}
	perRegion := map[string]int{}
	for _, key := range out.Frame.Key {
		h, err := reg.HouseholdByKey(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range h.Members {
			if m.Relation == "head" {
				heads[h.CommuneCode] = append(heads[h.CommuneCode], m.RUN)
			}
		}
		ci, _ := terr.CommuneIndex(h.CommuneCode)
		perRegion[terr.Communes[ci].RegionCode]++
	}
	for r, n := range perRegion {
		if r != "13" && (f.otherReg == "" || n > perRegion[f.otherReg] || (n == perRegion[f.otherReg] && r < f.otherReg)) {
			f.otherReg = r
		}
	}
	codes := make([]string, 0, len(heads))
	for c := range heads {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		ci, _ := terr.CommuneIndex(c)
		switch terr.Communes[ci].RegionCode {
		case "13":
			if f.own == "" || len(heads[c]) > len(heads[f.own]) {
				f.own = c
			}
		case f.otherReg:
			if f.other == "" || len(heads[c]) > len(heads[f.other]) {
				f.other = c
			}
		}
	}
	if len(heads[f.own]) < 4 || len(heads[f.other]) < 4 {
		t.Fatalf("too few households: %d in %s, %d in %s", len(heads[f.own]), f.own, len(heads[f.other]), f.other)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err = prog.CreateAgency(ctx, "ong", "ONG")
	must(err)
	_, err = prog.AddContract(ctx, "ong", programs.Contract{Line: line, TenderCode: "T-1", StartsOn: "2026-01-01", EndsOn: "2027-12-31",
		Families: 100, BudgetCLP: 100_000_000, Communes: []string{f.own, f.other}})
	must(err)
	_, err = prog.CreateCall(ctx, programs.CallInput{Code: "c1", Title: "Familia", Program: line, OpensOn: "2026-11-01", ClosesOn: "2026-11-30",
		Run: out.Run.ID, BudgetCLP: 50_000_000, Communes: map[string]int{f.own: 3, f.other: 2},
		Spec: programs.CallSpec{Rules: []programs.Rule{{ID: "any", NameES: "a", NameEN: "a", Expr: "true"}}}})
	must(err)
	_, err = prog.SetStatus(ctx, "c1", programs.StatusOpen)
	must(err)
	for _, c := range []string{f.own, f.other} {
		for _, run := range heads[c] {
			if _, err := prog.Apply(ctx, "c1", programs.ApplyInput{RUN: run}); err != nil {
				t.Fatalf("apply %s: %v", run, err)
			}
		}
	}
	_, err = prog.SetStatus(ctx, "c1", programs.StatusClosed)
	must(err)
	_, err = prog.RunSelection(ctx, "c1")
	must(err)
	sel, err := prog.Applications(ctx, "c1", programs.AppSelected)
	must(err)
	for _, a := range sel {
		_, err := prog.Enroll(ctx, a.ID, testToday)
		must(err)
	}
	// One case of each commune finishes (exit "completed"), one more of
	// region 13 drops out.
	page, err := dl.Cases(ctx, delivery.Filter{Line: line}, 0, 100)
	must(err)
	done := map[string]int{}
	for _, c := range page.Items {
		switch done[c.Commune] {
		case 0:
			_, err = dl.Transition(ctx, c.ID, delivery.StateOpen, delivery.StateExited, delivery.ExitCompleted, "")
		case 1:
			if c.Commune == f.own {
				_, err = dl.Transition(ctx, c.ID, delivery.StateOpen, delivery.StateExited, delivery.ExitDropped, "")
			}
		}
		must(err)
		done[c.Commune]++
	}
	f.user("nacional", auth.RoleAnalyst, "")
	f.user("auditora", auth.RoleAuditor, "")
	f.user("rosa", auth.RoleRegional, "13")
	f.user("raul", auth.RoleRegional, f.otherReg)
	f.user("coop", auth.RoleCooperation, "")
	return f
}

// user creates a user with role (and region for regional officers).
func (f *fixture) user(name string, role auth.Role, region string) {
	f.t.Helper()
	var id int64
	err := f.d.Transact(context.Background(), func(tx *db.Tx) error {
		var err error
		id, err = tx.InsertID(context.Background(), `INSERT INTO users (username, role, region_code, password_hash, created_at, updated_at) VALUES (?, ?, ?, 'x', ?, ?)`,
			name, string(role), region, tx.DB().Time(tx.Now), tx.DB().Time(tx.Now))
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	f.ctx[name] = auth.WithPrincipal(context.Background(), &auth.Principal{UserID: id, Username: name, Role: role, RegionCode: region})
}
