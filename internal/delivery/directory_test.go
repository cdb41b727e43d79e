package delivery_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
)

// otherCommune returns a commune of a region other than region.
func (f *fixture) otherCommune(region string) string {
	for _, c := range f.reg.Territory().Communes {
		if c.RegionCode != region {
			return c.Code
		}
	}
	f.t.Fatal("one region only")
	return ""
}

// TestDirectoryScope: national staff and regional officers edit the
// directory (officers their region's communes only, another region's
// service answering like a missing one); everyone with cases reads it all;
// the others are refused; every problem is named at once.
func TestDirectoryScope(t *testing.T) {
	f := newFixture(t, 40)
	own := f.hh[0]
	f.user("rosa", auth.RoleRegional, own.RegionCode)
	other := f.otherCommune(own.RegionCode)
	rosa, nacional := f.ctx["rosa"], f.ctx["nacional"]

	mine, err := f.st.SaveService(rosa, delivery.Service{Commune: own.CommuneCode, Institution: " CESFAM  Norte ", Name: "Inscripción", Dimensions: []string{"salud", "identificacion", "salud"},
		Contact: "+56 2 2345 6789", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if mine.Institution != "CESFAM Norte" || strings.Join(mine.Dimensions, ",") != "identificacion,salud" || mine.Region != own.RegionCode {
		t.Errorf("saved: %+v", mine)
	}
	theirs, err := f.st.SaveService(nacional, delivery.Service{Commune: other, Institution: "OMIL", Name: "Bolsa de empleo", Dimensions: []string{"trabajo"}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.st.SaveService(rosa, delivery.Service{Commune: other, Institution: "", Name: "", Dimensions: []string{"magia"}})
	e, ok := err.(*fosis.Error)
	if !ok || e.Code != fosis.EINVALID {
		t.Fatalf("bad service: %v", err)
	}
	var fields []string
	for _, x := range e.Fields {
		fields = append(fields, x.Field)
	}
	if diff := cmp.Diff([]string{"commune", "institution", "service", "dimensions"}, fields); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if _, err := f.st.EditableService(rosa, theirs.ID); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("another region's service to edit: %v", err)
	}
	theirs.Contact = "otro"
	if _, err := f.st.SaveService(rosa, *theirs); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("another region's service changed: %v", err)
	}
	for _, who := range []string{"ana", "coord-norte", "auditora"} {
		if _, err := f.st.SaveService(f.ctx[who], delivery.Service{Commune: own.CommuneCode, Institution: "X", Name: "Y"}); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
			t.Errorf("%s edits the directory: %v", who, err)
		}
		list, err := f.st.Services(f.ctx[who], delivery.ServiceFilter{}, 0)
		if err != nil || len(list) != 2 {
			t.Errorf("%s reads %d services, %v", who, len(list), err)
		}
	}
	if _, err := f.st.Services(f.ctx["coop"], delivery.ServiceFilter{}, 0); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("cooperation reads the directory: %v", err)
	}
	list, _ := f.st.Services(rosa, delivery.ServiceFilter{Dimension: "salud"}, 0)
	if len(list) != 1 || list[0].ID != mine.ID {
		t.Errorf("by dimension: %+v", list)
	}
	list, _ = f.st.Services(rosa, delivery.ServiceFilter{Commune: other}, 0)
	if len(list) != 1 || list[0].ID != theirs.ID {
		t.Errorf("by commune: %+v", list)
	}
	if _, err := f.st.Services(rosa, delivery.ServiceFilter{Dimension: "magia"}, 0); fosis.ErrorCode(err) != fosis.EINVALID {
		t.Errorf("unknown dimension: %v", err)
	}
	mine.Active = false
	if _, err := f.st.SaveService(rosa, *mine); err != nil {
		t.Fatal(err)
	}
	if list, _ := f.st.Services(rosa, delivery.ServiceFilter{Commune: own.CommuneCode}, 0); len(list) != 0 {
		t.Errorf("an inactive service is listed: %+v", list)
	}
	if list, _ := f.st.Services(rosa, delivery.ServiceFilter{Commune: own.CommuneCode, All: true}, 0); len(list) != 1 {
		t.Errorf("all: %+v", list)
	}
}

const servicesHeader = "commune;institution;service;dimensions;requirements;contact;active\n"

// TestImportServices: a file with bad rows writes nothing and names every
// bad row and field; the good file imports, again it changes nothing, and
// a changed row updates its service.
func TestImportServices(t *testing.T) {
	f := newFixture(t, 40)
	own := f.hh[0]
	f.user("rosa", auth.RoleRegional, own.RegionCode)
	rosa := f.ctx["rosa"]
	other := f.otherCommune(own.RegionCode)
	c := own.CommuneCode
	good := servicesHeader + fmt.Sprintf(`%s;CESFAM Norte;Inscripción en el centro de salud;salud;Cédula de identidad;+56 2 2345 6789;sí
%s;Registro Civil;Cédula de identidad;identificacion;;registrocivil.cl;1
%s;OMIL;Bolsa nacional de empleo;trabajo|ingresos;Currículum;omil@municipio.cl;
`, c, c, c)
	bad := servicesHeader + fmt.Sprintf(`%s;CESFAM Norte;Inscripción;salud;;;1
%s;OMIL;Bolsa;trabajo;;;1
99999;X;Y;;;;1
%s;;;magia;;;1
%s;CESFAM Norte;Inscripción;salud;;;quizás
%s;cesfam norte;INSCRIPCIÓN;salud;;;1
`, c, other, c, c, c)
	_, err := f.st.ImportServices(rosa, strings.NewReader(bad), "directorio.csv")
	e, ok := err.(*fosis.Error)
	if !ok || e.Code != fosis.EINVALID {
		t.Fatalf("bad file: %v", err)
	}
	var lines []string
	for _, p := range e.Fields {
		lines = append(lines, p.Field)
	}
	want := []string{"line 3 commune", "line 4 commune", "line 5 institution", "line 5 service", "line 5 dimensions", "line 6 active", "line 7 service"}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("bad rows (-want +got):\n%s", diff)
	}
	if list, _ := f.st.Services(rosa, delivery.ServiceFilter{All: true}, 0); len(list) != 0 {
		t.Errorf("a refused file wrote %d services", len(list))
	}
	res, err := f.st.ImportServices(rosa, strings.NewReader(good), "directorio.csv")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&delivery.ServiceImport{File: "directorio.csv", Rows: 3, Added: 3}, res); diff != "" {
		t.Errorf("first import (-want +got):\n%s", diff)
	}
	res, err = f.st.ImportServices(rosa, strings.NewReader(good), "directorio.csv")
	if err != nil || res.Added != 0 || res.Unchanged != 3 {
		t.Errorf("again: %+v, %v", res, err)
	}
	res, err = f.st.ImportServices(rosa, strings.NewReader(strings.Replace(good, "registrocivil.cl;1", "registrocivil.cl;no", 1)), "directorio.csv")
	if err != nil || res.Updated != 1 || res.Unchanged != 2 {
		t.Errorf("changed: %+v, %v", res, err)
	}
	if list, _ := f.st.Services(rosa, delivery.ServiceFilter{}, 0); len(list) != 2 {
		t.Errorf("active after the change: %d", len(list))
	}
	if _, err := f.st.ImportServices(rosa, strings.NewReader("comuna,nombre\n1,2\n"), "x.csv"); fosis.ErrorCode(err) != fosis.EINVALID {
		t.Errorf("bad header: %v", err)
	}
	if _, err := f.st.ImportServices(f.ctx["ana"], strings.NewReader(good), "x.csv"); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("a counsellor imports: %v", err)
	}
}

// FuzzParseServices: the directory parser never panics, and every row it
// returns or refuses names a line of the file.
func FuzzParseServices(f *testing.F) {
	f.Add([]byte(servicesHeader + "13101;CESFAM;Inscripción;salud|educacion;;;sí\n"))
	f.Add([]byte("commune,institution,service\n13101,\"a\"\"b\",c\n"))
	f.Add([]byte("\ufeffcommune;service;institution;active\n;;;maybe\n13101;x;x;0\n13101;x;x;1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, bad, err := delivery.ParseServices(bytes.NewReader(b), "f.csv")
		if err != nil {
			return
		}
		for _, r := range rows {
			if r.Line < 2 {
				t.Errorf("row at line %d", r.Line)
			}
		}
		for _, p := range bad {
			if p.Line < 1 || p.Message == "" {
				t.Errorf("problem %+v", p)
			}
		}
	})
}

// toIntervention moves case c through an entry diagnosis of every condition
// not met into the intervention.
func (f *fixture) toIntervention(ctx context.Context, c *delivery.Case) *delivery.Methodology {
	f.t.Helper()
	m, err := f.st.CaseMethodology(ctx, c.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.st.Transition(ctx, c.ID, delivery.StateOpen, delivery.StateDiagnosis, "", ""); err != nil {
		f.t.Fatal(err)
	}
	if err := f.st.RecordDiagnosis(ctx, c.ID, delivery.PhaseEntry, marks(m, delivery.NotMet)); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.st.Transition(ctx, c.ID, delivery.StateDiagnosis, delivery.StateIntervention, "", ""); err != nil {
		f.t.Fatal(err)
	}
	return m
}

// TestReferrals: a case is referred to a service, attended, resolved; the
// resolved referral satisfies its condition (met in the exit line, the
// referral as evidence, audited); wrong moves are refused; other agencies'
// staff do not see it.
func TestReferrals(t *testing.T) {
	f := newFixture(t, 40)
	sys := sysCtx()
	c := f.open("puente", 0, "ong-norte")
	ana := f.ctx["ana"]
	v, err := f.st.SaveService(sys, delivery.Service{Commune: f.hh[0].CommuneCode, Institution: "CESFAM", Name: "Inscripción", Dimensions: []string{"salud"}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	x, err := f.st.Refer(ana, c.ID, delivery.ReferralInput{ServiceID: v.ID, Condition: "SA1", Reason: "No inscritos"})
	if err != nil || x.Status != delivery.RefSent || x.SentOn != "2026-12-07" || x.Institution != "CESFAM" {
		t.Fatalf("refer: %+v, %v", x, err)
	}
	_, err = f.st.Refer(ana, c.ID, delivery.ReferralInput{ServiceID: 9999, Condition: "ZZ9", SentOn: "2027-01-01"})
	if e, ok := err.(*fosis.Error); !ok || len(e.Fields) != 3 {
		t.Errorf("bad referral: %v", err)
	}
	if _, err := f.st.Referral(f.ctx["coord-sur"], x.ID); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("another agency reads the referral: %v", err)
	}
	if _, err := f.st.MoveReferral(ana, x.ID, delivery.RefSent, delivery.RefResolved, "", "ok"); fosis.ErrorCode(err) != fosis.ECONFLICT {
		t.Errorf("sent → resolved: %v", err)
	}
	if _, err := f.st.MoveReferral(ana, x.ID, delivery.RefSent, delivery.RefAttended, "2026-12-01", ""); fosis.ErrorCode(err) != fosis.EINVALID {
		t.Errorf("attended before sent: %v", err)
	}
	if _, err := f.st.MoveReferral(ana, x.ID, delivery.RefSent, delivery.RefAttended, "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.MoveReferral(ana, x.ID, delivery.RefAttended, delivery.RefResolved, "", " "); fosis.ErrorCode(err) != fosis.EINVALID {
		t.Errorf("resolved without an outcome: %v", err)
	}
	x, err = f.st.MoveReferral(ana, x.ID, delivery.RefAttended, delivery.RefResolved, "", "Familia inscrita en el CESFAM")
	if err != nil || x.Status != delivery.RefResolved || x.ClosedOn != "2026-12-07" || !x.Satisfiable() {
		t.Fatalf("resolve: %+v, %v", x, err)
	}
	if _, err := f.st.SatisfyCondition(ana, x.ID); fosis.ErrorCode(err) != fosis.ECONFLICT {
		t.Errorf("satisfied while the case is open: %v", err)
	}
	f.toIntervention(sys, c)
	x, err = f.st.SatisfyCondition(ana, x.ID)
	if err != nil || x.SatisfiedOn != "2026-12-07" || x.SatisfiedBy != "ana" {
		t.Fatalf("satisfy: %+v, %v", x, err)
	}
	dx, _ := f.st.Diagnosis(ana, c.ID)
	if m := dx.Exit["SA1"]; m.Status != delivery.Met || !strings.Contains(m.Evidence, fmt.Sprintf("#%d CESFAM — Inscripción: Familia inscrita", x.ID)) {
		t.Errorf("exit mark: %+v", m)
	}
	if dx.Entry["SA1"].Status != delivery.NotMet {
		t.Errorf("the entry changed: %+v", dx.Entry["SA1"])
	}
	if _, err := f.st.SatisfyCondition(ana, x.ID); fosis.ErrorCode(err) != fosis.ECONFLICT {
		t.Errorf("satisfied twice: %v", err)
	}
	recs, err := audit.List(sys, f.d, audit.Filter{Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range recs {
		found = found || r.Action == "referral.satisfies"
	}
	if !found {
		t.Error("the satisfied condition is not in the audit trail")
	}
	list, _ := f.st.Referrals(ana, c.ID)
	if len(list) != 1 || list[0].SatisfiedOn == "" {
		t.Errorf("referrals: %+v", list)
	}
	v.Active = false
	if _, err := f.st.SaveService(sys, *v); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Refer(ana, c.ID, delivery.ReferralInput{ServiceID: v.ID}); fosis.ErrorCode(err) != fosis.EINVALID {
		t.Errorf("an inactive service: %v", err)
	}
}

// TestReferralConcurrently: 30 people move the same referral at once, some
// to attended and some to refused: one wins; then 30 satisfy its condition
// at once: one does, and the exit line has one mark.
func TestReferralConcurrently(t *testing.T) {
	f := newFixture(t, 40)
	sys := sysCtx()
	c := f.open("puente", 0, "ong-norte")
	f.toIntervention(sys, c)
	ctx := f.ctx["coord-norte"]
	v, err := f.st.SaveService(sys, delivery.Service{Commune: f.hh[0].CommuneCode, Institution: "Registro Civil", Name: "Cédula", Dimensions: []string{"identificacion"}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	x, err := f.st.Refer(ctx, c.ID, delivery.ReferralInput{ServiceID: v.ID, Condition: "ID2"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for g := range 30 {
		wg.Go(func() {
			to, outcome := delivery.RefAttended, ""
			if g%2 == 1 {
				to, outcome = delivery.RefRefused, "no asistió"
			}
			_, err := f.st.MoveReferral(ctx, x.ID, delivery.RefSent, to, "", outcome)
			mu.Lock()
			codes[fosis.ErrorCode(err)]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[""] != 1 || codes[fosis.ECONFLICT] != 29 {
		t.Fatalf("moves: %v", codes)
	}
	// A second referral, resolved, whose condition 30 people satisfy at once.
	x, err = f.st.Refer(ctx, c.ID, delivery.ReferralInput{ServiceID: v.ID, Condition: "ID2"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.MoveReferral(ctx, x.ID, delivery.RefSent, delivery.RefAttended, "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.MoveReferral(ctx, x.ID, delivery.RefAttended, delivery.RefResolved, "", "Cédula entregada"); err != nil {
		t.Fatal(err)
	}
	codes = map[string]int{}
	for range 30 {
		wg.Go(func() {
			_, err := f.st.SatisfyCondition(ctx, x.ID)
			mu.Lock()
			codes[fosis.ErrorCode(err)]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[""] != 1 || codes[fosis.ECONFLICT] != 29 {
		t.Fatalf("satisfy: %v", codes)
	}
	tl, _ := f.st.Timeline(ctx, c.ID)
	n := 0
	for _, e := range tl {
		if e.Kind == "referral_satisfied" && strings.HasPrefix(e.Detail, "ID2 ·") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d timeline entries of the satisfied condition", n)
	}
}

// TestSeedDemoDirectory: the demo gives the cases' communes a directory and
// refers cases to it, in several statuses, some resolved referrals
// satisfying their condition; a second run adds nothing.
func TestSeedDemoDirectory(t *testing.T) {
	f := newFixture(t, 150)
	ctx := sysCtx()
	var hh []delivery.DemoHousehold
	regions := map[string]bool{}
	for _, h := range f.hh {
		hh = append(hh, delivery.DemoHousehold{Key: h.Key, ID: h.ID, Commune: h.CommuneCode, Region: h.RegionCode})
		regions[h.RegionCode] = true
	}
	var all []string
	for r := range regions {
		all = append(all, r)
	}
	for _, c := range []string{"ana", "beto"} {
		if err := f.st.AddCounsellor(ctx, c, "ong-norte", "", 60); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.st.SeedDemo(ctx, hh, []delivery.DemoAgency{{Code: "ong-norte", Regions: all, Counsellors: []string{"ana", "beto"}}}, 120, testToday, 3); err != nil {
		t.Fatal(err)
	}
	services, referrals, err := f.st.SeedDemoDirectory(ctx, map[string]string{}, 5)
	if err != nil || services == 0 || referrals == 0 {
		t.Fatalf("demo directory: %d services, %d referrals, %v", services, referrals, err)
	}
	statuses := map[string]int{}
	satisfied := 0
	page, _ := f.st.Cases(ctx, delivery.Filter{Line: "puente"}, 0, 500)
	for _, c := range page.Items {
		list, err := f.st.Referrals(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range list {
			statuses[x.Status]++
			if x.SatisfiedOn != "" {
				satisfied++
				dx, _ := f.st.Diagnosis(ctx, c.ID)
				if m := dx.Exit[x.Condition]; m.Status != delivery.Met || !strings.Contains(m.Evidence, fmt.Sprintf("#%d ", x.ID)) {
					t.Errorf("case %d: the satisfied condition %s is %+v", c.ID, x.Condition, m)
				}
			}
		}
	}
	if len(statuses) < 3 || satisfied == 0 {
		t.Errorf("statuses %v, %d satisfied", statuses, satisfied)
	}
	if s, r, err := f.st.SeedDemoDirectory(ctx, nil, 5); err != nil || s != 0 || r != 0 {
		t.Errorf("again: %d, %d, %v", s, r, err)
	}
}
